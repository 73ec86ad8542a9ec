"""Locally drawn avatars: stable per person, different between people, never the email."""

from __future__ import annotations

import re

from plnet.conversation.avatars import identicon_svg, seed_for


def test_same_person_same_picture_whatever_the_case():
    assert seed_for("Bo@Example.net ") == seed_for("bo@example.net")
    assert identicon_svg(seed_for("bo@example.net")) == identicon_svg(seed_for("BO@example.NET"))


def test_different_people_differ_and_the_email_is_not_in_it():
    a = identicon_svg(seed_for("bo@example.net"))
    b = identicon_svg(seed_for("cy@example.org"))
    assert a != b
    assert "example" not in a
    assert seed_for("", "Bo") != seed_for("", "Cy")


def test_the_svg_is_symmetric_and_escapes_its_title():
    svg = identicon_svg(seed_for("bo@example.net"), pixels=32, title='<b>"x"</b>')
    cells = {(int(x), int(y)) for x, y in re.findall(r'<rect x="(\d)" y="(\d)"', svg)}
    assert cells and all((4 - x, y) in cells for x, y in cells)
    assert 'aria-label="&lt;b&gt;&quot;x&quot;&lt;/b&gt;"' in svg
    assert 'width="32"' in svg
