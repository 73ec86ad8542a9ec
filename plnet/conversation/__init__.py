"""Comments, moderation and spam verdicts."""
