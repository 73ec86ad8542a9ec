"""Sources, people, subscriptions, entries, read state, OPML and fetch scheduling."""
