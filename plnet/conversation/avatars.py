"""Avatars generated here, with no third-party call: a symmetric 5×5 identicon as inline SVG,
drawn from a SHA-256 hash of the commenter's email (or name), so the same person keeps the same
picture and the email itself never reaches the page."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from django.utils.safestring import SafeString, mark_safe

SIZE = 5


def seed_for(email: str, name: str = "") -> str:
    """The hex digest an avatar is drawn from (email lower-cased, else the name)."""
    return hashlib.sha256((email.strip().lower() or f"name:{name}").encode()).hexdigest()


@lru_cache(maxsize=2048)
def identicon_svg(seed: str, *, pixels: int = 40, title: str = "") -> SafeString:
    """An SVG identicon for a hex seed of at least 17 bytes (as `seed_for` gives). The markup is
    built only from numbers and a colour derived from the seed (title is escaped), so it is safe
    to place in a page. Remembered per (seed, pixels, title): a thread draws the same few
    people again and again."""
    from django.utils.html import escape

    digest = bytes.fromhex(seed)  # raises ValueError for a seed that is not hex
    hue = int.from_bytes(digest[:2], "big") % 360
    colour = f"hsl({hue} 55% 45%)"
    cells = []
    for row in range(SIZE):
        for col in range((SIZE + 1) // 2):
            if digest[2 + row * 3 + col] % 2:
                for x in {col, SIZE - 1 - col}:
                    cells.append(f'<rect x="{x}" y="{row}" width="1" height="1"/>')
    # Beside the author's name the picture is decorative; with a title it names the person.
    label = f'role="img" aria-label="{escape(title)}"' if title else 'aria-hidden="true"'
    return mark_safe(  # noqa: S308 - numbers and escaped text only
        f'<svg class="avatar" {label} width="{int(pixels)}" '
        f'height="{int(pixels)}" viewBox="-0.5 -0.5 6 6" xmlns="http://www.w3.org/2000/svg">'
        f'<rect x="-0.5" y="-0.5" width="6" height="6" fill="#f2f2f2"/>'
        f'<g fill="{colour}">{"".join(cells)}</g></svg>'
    )
