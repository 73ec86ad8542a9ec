"""Shared plumbing: the one outbound HTTP client, HTML sanitising, site preferences."""
