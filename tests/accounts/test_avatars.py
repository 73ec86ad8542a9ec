"""Generated avatars: deterministic, symmetric, escaped, different for different people."""

from __future__ import annotations

import hashlib

from lxml import etree

from plnet.accounts.avatars import GRID, identicon_cells, identicon_svg

SVG = "{http://www.w3.org/2000/svg}"


def seed(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_cells_are_mirrored_and_follow_the_seed_bits():
    s = seed("ana@example.org")
    bits = int(s[6:10], 16)
    expected = set()
    for row in range(GRID):
        for col in range(3):
            if bits & (1 << (row * 3 + col)):
                expected |= {(col, row), (GRID - 1 - col, row)}
    cells = identicon_cells(s)
    assert set(cells) == expected
    assert all((GRID - 1 - c, r) in cells for c, r in cells)


def test_svg_is_valid_deterministic_and_escapes_the_label():
    svg = identicon_svg(seed("ana"), label='<Ana & "Bo">')
    assert svg == identicon_svg(seed("ana"), label='<Ana & "Bo">')
    root = etree.fromstring(svg.encode())
    assert root.tag == SVG + "svg"
    assert root.find(SVG + "title").text == '<Ana & "Bo">'
    rects = root.findall(f"{SVG}g/{SVG}rect")
    assert len(rects) == len(identicon_cells(seed("ana")))


def test_different_people_get_different_pictures():
    pictures = {identicon_svg(seed(f"person{i}")) for i in range(50)}
    assert len(pictures) == 50
