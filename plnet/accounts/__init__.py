"""Users, author profiles (h-card) and sign-in."""
