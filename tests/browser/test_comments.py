"""Comments in a real browser: post a comment and a reply, see the first held, approve it as the
post's author on the moderation page, see it published; and XSS vectors stay inert."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from plnet.conversation.models import Comment, CommentSettings
from plnet.core.html import render_comment_markdown
from plnet.publishing.models import Post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(django_user_model):
    author = django_user_model.objects.create_user(
        "ana", email="ana@example.org", password="pw-ana-123", display_name="Ana"
    )
    post = Post.objects.create(
        title="Learning in public",
        slug="learning",
        body="Some thoughts.",
        status="published",
        published_at=timezone.now() - dt.timedelta(days=1),
        author=author,
    )
    rules = CommentSettings.load()
    rules.min_seconds = 0  # the test types faster than a person
    rules.save()
    return author, post


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def sign_out(page) -> None:
    page.context.clear_cookies()


def test_comment_held_approved_then_reply(page, live_server, site):
    author, post = site
    url = live_server.url + post.get_absolute_url()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    page.goto(url)
    page.get_by_role("textbox", name="Name", exact=True).fill("Bo Reader")
    page.get_by_role("textbox", name="Email", exact=True).fill("bo@example.net")
    page.get_by_role("textbox", name="Website", exact=True).fill("https://bo.example/")
    page.get_by_role("textbox", name="Comment", exact=True).fill("What a *useful* post.")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_load_state()
    assert page.url.startswith(url)
    notice = page.locator(".awaiting-notice")
    assert notice.is_visible()
    assert page.locator(".comment .e-content em").inner_text() == "useful"
    first = Comment.objects.get()
    assert first.state == "pending"

    # a stranger does not see it yet
    sign_out(page)
    page.goto(url)
    assert page.locator(".comment-list").count() == 0

    # the post's author approves it on the moderation page
    sign_in(page, live_server, author)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Moderation").click()
    row = page.locator(f"#mod-{first.pk}")
    assert "first comment from this author" in row.inner_text()
    row.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert "1 comment approved." in page.locator(".messages").inner_text()
    first.refresh_from_db()
    assert first.state == "approved"

    # published for everyone; the reader replies to it
    sign_out(page)
    page.goto(url)
    published = page.locator(f"#comment-{first.pk}")
    assert published.locator(".p-author .p-name").inner_text() == "Bo Reader"
    assert published.locator(".p-author a").get_attribute("href") == "https://bo.example/"
    published.get_by_role("link", name="Reply to Bo Reader").click()
    page.wait_for_url(re.compile(r"replytocom=\d+"))  # is_visible() does not wait for it
    assert page.get_by_role("heading", name="Reply to Bo Reader").is_visible()
    page.get_by_role("textbox", name="Name", exact=True).fill("Bo Reader")
    page.get_by_role("textbox", name="Email", exact=True).fill("bo@example.net")
    page.get_by_role("textbox", name="Comment", exact=True).fill("And a follow-up thought.")
    page.get_by_role("button", name="Post reply").click()
    page.wait_for_load_state()
    reply = Comment.objects.get(parent=first)
    assert reply.state == "approved"  # a known author goes straight through
    nested = page.locator(f"#comment-{first.pk} + ol.children #comment-{reply.pk}")
    assert "And a follow-up thought." in nested.inner_text()
    assert dialogs == []


def test_a_refused_comment_keeps_the_page_the_reason_and_the_words(page, live_server, site):
    """An invalid email: the post, its thread and the reason are shown, and the form is still
    filled in, so the words are not lost."""
    _, post = site
    Comment.objects.create(
        post=post, author_name="Bo", raw_content="First!", content="<p>First!</p>", state="approved"
    )
    page.goto(live_server.url + post.get_absolute_url())
    page.get_by_role("textbox", name="Name", exact=True).fill("Carol")
    page.get_by_role("textbox", name="Email", exact=True).fill("carol-at-example")
    page.get_by_role("textbox", name="Comment", exact=True).fill("Words I spent an hour on.")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_load_state()

    assert page.locator("main > article > .e-content").inner_text() == "Some thoughts."
    assert page.get_by_role("link", name="1 comment").is_visible()
    assert "First!" in page.locator("#comments .comment-list").inner_text()
    alerts = " ".join(page.get_by_role("alert").all_inner_texts())
    assert "Enter a valid email address." in alerts
    assert page.get_by_text("protected by a password").count() == 0
    assert page.get_by_role("textbox", name="Name", exact=True).input_value() == "Carol"
    assert page.get_by_role("textbox", name="Email", exact=True).input_value() == "carol-at-example"
    comment = page.get_by_role("textbox", name="Comment", exact=True)
    assert comment.input_value() == "Words I spent an hour on."
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    ("width", "field", "value", "error"),
    [
        (390, "Email", "val@bad", "Email: Enter a valid email address."),
        (1280, "Website", "javascript:alert(1)", "Website: Enter a valid URL."),
    ],
)
def test_a_refused_form_lands_on_its_error_summary(
    page, live_server, site, width, field, value, error
):
    """The refused form is not shown at the top of a long page: the browser lands on the
    form (its action ends in #respond), whose error summary links to each bad field."""
    _, post = site
    for n in range(12):  # a thread long enough to push the form below the fold
        Comment.objects.create(
            post=post, author_name=f"R{n}", raw_content="Long " * 60,
            content="<p>" + "Long words. " * 60 + "</p>", state="approved",
        )  # fmt: skip
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url + post.get_absolute_url())
    page.get_by_role("textbox", name="Name", exact=True).fill("Val")
    page.get_by_role("textbox", name="Email", exact=True).fill("val@example.org")
    page.get_by_role("textbox", name=field, exact=True).fill(value)
    page.get_by_role("textbox", name="Comment", exact=True).fill("Kept words.")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_load_state()

    assert page.url.endswith("/comments/post/#respond")
    assert page.evaluate("window.scrollY") > 0
    summary = page.locator("#comment-errors")
    assert summary.is_visible() and page.evaluate(
        "(() => { const r = document.getElementById('comment-errors').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; })()"
    )
    link = summary.get_by_role("link", name=error)
    link.click()
    focused = page.evaluate("document.activeElement.id")
    assert focused == page.get_by_role("textbox", name=field, exact=True).get_attribute("id")
    assert (
        page.get_by_role("textbox", name=field, exact=True).get_attribute("aria-invalid") == "true"
    )
    assert page.get_by_role("textbox", name="Comment", exact=True).input_value() == "Kept words."


def test_select_all_in_the_moderation_queue(page, live_server, site):
    author, post = site
    for n in range(3):
        Comment.objects.create(post=post, author_name=f"W{n}", raw_content="w", content="<p>w</p>")
    sign_in(page, live_server, author)
    page.goto(live_server.url + "/moderation/")
    everything = page.get_by_role("checkbox", name="Select all comments")
    rows = page.locator("#bulk input[name='ids']")
    everything.check()
    assert [rows.nth(i).is_checked() for i in range(3)] == [True, True, True]
    rows.nth(1).uncheck()
    assert everything.evaluate("b => [b.checked, b.indeterminate]") == [False, True]
    everything.check()
    page.get_by_role("combobox", name="Action").select_option("trash")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    assert "3 comments moved to trash." in page.locator(".messages").inner_text()
    assert set(Comment.objects.values_list("state", flat=True)) == {"trash"}


XSS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=2>",
    "<svg onload=window.__xss=3>",
    "[click](javascript:window.__xss=4)",
    '<a href="javascript:window.__xss=5">x</a>',
    "<iframe src=javascript:window.__xss=6></iframe>",
    "<details open ontoggle=window.__xss=7>",
    '"><script>window.__xss=8</script>',
    "<<script>window.__xss=9;//<</script>",
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=10">',
    "<body onload=window.__xss=11>",
    "<input autofocus onfocus=window.__xss=12>",
]


def test_xss_vectors_are_inert_in_the_browser(page, live_server, site):
    author, post = site
    for i, vector in enumerate(XSS):
        Comment.objects.create(
            post=post,
            author_name=f"{vector} {i}",
            author_url="javascript:window.__xss=99" if i % 2 else "",
            raw_content=vector,
            content=render_comment_markdown(vector),
            state="approved",
        )
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(live_server.url + post.get_absolute_url())
    assert page.locator(".comment-list > li").count() == len(XSS)
    page.wait_for_timeout(500)  # let any onload/onerror/autofocus handler that slipped through run
    injected = page.evaluate(
        "document.querySelectorAll('.comment-list script, .comment-list img, "
        ".comment-list iframe, .comment-list input, .comment-list details, .comment-list math, "
        ".comment-list [onerror], .comment-list [onload], .comment-list a[href^=javascript]')"
        ".length"
    )
    assert injected == 0
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
