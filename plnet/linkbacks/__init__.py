"""Webmention and Pingback, received and sent."""
