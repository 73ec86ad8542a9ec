"""`services.page_tree` and `services.page_descendant_ids`: the order of the list of pages and
the pages a page may not be placed under."""

from __future__ import annotations

import datetime as dt

import pytest

from plnet.publishing.models import Post
from plnet.publishing.services import page_descendant_ids, page_tree

WHEN = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture
def make_page(author):
    def make(title, *, parent=None, order=0):
        return Post.objects.create(
            post_type="page", title=title, slug=title.lower().replace(" ", "-"), parent=parent,
            menu_order=order, status="published", published_at=WHEN, author=author,
        )  # fmt: skip

    return make


def shown(pages) -> list[tuple[str, int]]:
    return [(page.title, depth) for page, depth in page_tree(pages)]


def test_children_follow_their_parent_by_order_then_title(make_page):
    b = make_page("B", order=1)
    a = make_page("a", order=1)
    make_page("A2", parent=a, order=5)
    make_page("A1", parent=a, order=5)
    make_page("B1", parent=b)
    make_page("First", order=-3)
    assert shown(Post.objects.pages()) == [
        ("First", 0), ("a", 0), ("A1", 1), ("A2", 1), ("B", 0), ("B1", 1),
    ]  # fmt: skip


def test_a_cycle_made_outside_the_editor_still_lists_every_page_once(make_page):
    one = make_page("One")
    two = make_page("Two", parent=one)
    Post.objects.filter(pk=one.pk).update(parent=two)  # as a database shell could
    assert shown(Post.objects.pages()) == [("One", 0), ("Two", 1)]
    assert page_descendant_ids(Post.objects.get(pk=one.pk)) == {two.pk}


def test_deep_nesting_needs_no_recursion(make_page):
    parent = None
    for n in range(1200):  # deeper than Python's default recursion limit
        parent = make_page(f"Level {n}", parent=parent)
    tree = page_tree(Post.objects.pages())
    assert [depth for _, depth in tree] == list(range(1200))


def test_descendants_at_any_depth(make_page):
    top = make_page("Top")
    child = make_page("Child", parent=top)
    grandchild = make_page("Grandchild", parent=child)
    make_page("Elsewhere")
    assert page_descendant_ids(top) == {child.pk, grandchild.pk}
    assert page_descendant_ids(grandchild) == set()
