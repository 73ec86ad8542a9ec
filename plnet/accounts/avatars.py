"""Locally generated avatars: a symmetric 5×5 identicon in SVG drawn from a user's avatar_seed,
so a person without a photo still gets a recognisable picture and no third party is asked."""

from __future__ import annotations

GRID = 5


def identicon_cells(seed: str) -> list[tuple[int, int]]:
    """The filled (column, row) cells for a hex seed: the left 3 columns come from 15 bits of
    the seed and are mirrored to the right, so the picture is symmetric like a face."""
    bits = int(seed[6:10] or "0", 16)
    cells = []
    for row in range(GRID):
        for col in range(3):
            if bits >> (row * 3 + col) & 1:
                cells.append((col, row))
                if col < 2:
                    cells.append((GRID - 1 - col, row))
    return sorted(cells)


def identicon_colour(seed: str) -> str:
    """An HSL colour from the seed: any hue, saturation and lightness chosen for contrast (>4.5:1
    against the light background)."""
    hue = int(seed[:6] or "0", 16) % 360
    return f"hsl({hue}, 60%, 32%)"


def identicon_svg(seed: str, *, label: str = "") -> str:
    """A complete SVG document (viewBox 0 0 5 5 with a margin) for a hex seed.

    `label` becomes the <title> (escaped); the caller passes the person's name.
    """
    from html import escape

    rects = "".join(
        f'<rect x="{c}" y="{r}" width="1" height="1"/>' for c, r in identicon_cells(seed)
    )
    title = f"<title>{escape(label)}</title>" if label else ""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="-0.5 -0.5 6 6" width="96" height="96" '
        f'role="img">{title}<rect x="-0.5" y="-0.5" width="6" height="6" fill="#eeeeea"/>'
        f'<g fill="{identicon_colour(seed)}" shape-rendering="crispEdges">{rects}</g></svg>'
    )
