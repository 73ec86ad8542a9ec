"""Protocol code as plain Python: parsers and builders for WXR, feeds, OPML, Webmention, Pingback,
microformats and spam features. No Django and no plnet app imports (an import-linter contract
enforces it): callers fetch and store; these modules take bytes/str and return frozen dataclasses."""
