"""Old WordPress links with query variables WordPress ignores, and /index.php forms, still lead
to the imported post (LegacyURLMiddleware)."""

from __future__ import annotations

import pytest

from plnet.publishing.models import Attachment, Post
from plnet.publishing.wordpress import import_wxr
from tests.conftest import CORPUS

WXR = CORPUS / "wxr"
MYTHZ = WXR / "real-blogs/mythz-blog-wordpress-3.3.1-wxr1.1.xml"
THEME = WXR / "theme-test-data/themeunittestdata.wordpress.xml"

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported():
    import_wxr(MYTHZ)
    import_wxr(THEME)


def redirect_of(client, url: str) -> tuple[int, str | None]:
    response = client.get(url)
    return response.status_code, response.get("Location")


@pytest.mark.usefixtures("imported")
@pytest.mark.parametrize(
    ("plain", "extra"),
    [
        ("/?p=163", "&utm_medium=email"),
        ("/?p=163", "&replytocom=5"),
        ("/mythz_blog/?p=176", "&utm_source=twitter"),
        ("/mythz_blog/?p=176", "&replytocom=5"),
    ],
)
def test_unknown_query_variables_are_ignored(client, plain, extra):
    wp_id = int(plain.rsplit("=", 1)[1])
    post = Post.objects.get(wp_post_id=wp_id, post_type="post")
    assert redirect_of(client, plain) == (301, post.get_absolute_url())
    assert redirect_of(client, plain + extra) == (301, post.get_absolute_url())
    assert redirect_of(client, plain.replace("?", "?utm_source=x&")) == (
        301,
        post.get_absolute_url(),
    )


@pytest.mark.usefixtures("imported")
def test_attachment_links_with_extra_variables(client):
    attachment = Attachment.objects.get(wp_post_id=84)
    page = f"/attachment/{attachment.pk}/"
    assert redirect_of(client, "/mythz_blog/?attachment_id=84") == (301, page)
    assert redirect_of(client, "/mythz_blog/?attachment_id=84&foo=1") == (301, page)
    assert redirect_of(client, "/?attachment_id=84&foo=1") == (301, page)
    assert redirect_of(client, "/index.php?attachment_id=84") == (301, page)


@pytest.mark.usefixtures("imported")
def test_index_php_is_read_as_its_folder(client):
    theme_post = Post.objects.get(wp_post_id=163, post_type="post")
    mythz_post = Post.objects.get(wp_post_id=176, post_type="post")
    assert redirect_of(client, "/index.php?p=163") == (301, theme_post.get_absolute_url())
    assert redirect_of(client, "/index.php?p=163&utm_source=x") == (
        301,
        theme_post.get_absolute_url(),
    )
    assert redirect_of(client, "/mythz_blog/index.php?p=176") == (
        301,
        mythz_post.get_absolute_url(),
    )


@pytest.mark.usefixtures("imported")
def test_unknown_ids_and_other_paths_still_404(client):
    assert client.get("/?p=999999&utm_source=x").status_code == 404  # as in WordPress
    assert client.get("/?utm_source=x").status_code == 200  # the home page
    assert client.get("/mythz_blog/?p=999999&utm_source=x").status_code == 404
    assert client.get("/mythz_blog/?p=abc").status_code == 404
    assert client.get("/no-such-page/?utm_source=x").status_code == 404


@pytest.mark.usefixtures("imported")
def test_old_urls_of_a_post_deleted_for_good_answer_410_directly(client):
    """Regression: /index.php?p=ID of a deleted post answered 301 to /index.php/?p=ID (Django's
    APPEND_SLASH), then 404. Its old URLs answer 410 like its address; unknown ids 404."""
    from plnet.publishing import services

    post = Post.objects.get(wp_post_id=163, post_type="post")
    path = post.get_absolute_url()
    services.trash_post(post)
    services.empty_trash(Post.objects.filter(pk=post.pk))

    for url in ("/index.php?p=163", "/?p=163", "/index.php?p=163&utm_source=x", path):
        assert client.get(url).status_code == 410, url
    assert client.get("/index.php?p=999999").status_code == 404
    assert client.get("/mythz_blog/index.php?p=999999").status_code == 404
    assert redirect_of(client, "/index.php") == (301, "/")
    assert redirect_of(client, "/index.php?s=feeds") == (301, "/?s=feeds")
