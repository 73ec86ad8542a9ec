"""The comment thread and the responses list share a post page without showing anything twice."""

import re

import lxml.html
import pytest

from plnet.conversation.models import Comment
from plnet.conversation.services import thread
from plnet.publishing.models import Post


@pytest.mark.django_db
def test_thread_holds_comments_and_replies_and_responses_hold_the_rest(client, post, make_comment):
    typed = make_comment(author_name="Cy")
    reply = make_comment(comment_type=Comment.Type.REPLY, author_name="Di", parent=typed)
    others = {
        kind: make_comment(comment_type=kind, author_name=f"By {kind}")
        for kind in ["like", "repost", "bookmark", "mention", "pingback", "trackback"]
    }
    roots = thread(post)
    assert [n.comment.pk for n in roots] == [typed.pk]
    assert [n.comment.pk for n in roots[0].replies] == [reply.pk]

    html = client.get(post.get_absolute_url()).content.decode()
    for comment in [typed, reply, *others.values()]:
        anchors = re.findall(rf'id="comment-{comment.pk}"', html)
        assert len(anchors) == 1, (comment.comment_type, len(anchors))


@pytest.mark.django_db
def test_comment_counts_count_what_the_thread_shows(client, post, make_comment):
    """The header, the thread heading and the listings say "2 comments" for a typed comment and
    a Webmention reply; a like, a repost, a mention and a pingback are responses, not comments."""
    make_comment(author_name="Cy")
    make_comment(comment_type=Comment.Type.REPLY, author_name="Di")
    make_comment(comment_type=Comment.Type.COMMENT, state=Comment.State.PENDING)
    for kind in ["like", "repost", "mention", "pingback"]:
        make_comment(comment_type=kind, author_name=f"By {kind}")

    html = client.get(post.get_absolute_url()).content.decode()
    header = lxml.html.fromstring(html).xpath("//article/header//a[@href='#comments']")[0]
    assert header.text_content().strip() == "2 comments"
    heading = lxml.html.fromstring(html).get_element_by_id("comments-heading")
    assert heading.text_content().strip() == "2 comments"
    assert "4 likes" not in html and re.search(r"1 like\b", html)  # responses counted apart

    listed = Post.objects.with_comment_counts().get(pk=post.pk)
    assert listed.approved_comment_count == 2
    home = lxml.html.fromstring(client.get("/").content.decode())
    link = home.xpath(f"//a[@href='{post.get_absolute_url()}#comments']")[0]
    assert link.text_content().strip() == "2 comments"


@pytest.mark.django_db
def test_the_page_nests_replies_as_the_thread_does(client, post, make_comment, settings):
    """The thread is written by one loop (no template per comment): each reply's <li> sits in
    its parent's <ol class="children">, a reply past the last level beside its parent, and the
    visitor's own pending comment shows only to them, marked awaiting."""
    settings.PLNET = __import__("dataclasses").replace(settings.PLNET, comment_thread_depth=3)
    a = make_comment(author_name="A")
    b = make_comment(author_name="B", parent=a)
    c = make_comment(author_name="C", parent=b)
    d = make_comment(author_name="D", parent=c)  # past depth 3: beside c
    e = make_comment(author_name="E", parent=a)
    f = make_comment(author_name="F")
    make_comment(author_name="Hidden", parent=f, state=Comment.State.PENDING)

    doc = lxml.html.fromstring(client.get(post.get_absolute_url()).content.decode())

    def li(comment):
        return doc.get_element_by_id(f"comment-{comment.pk}").getparent()

    def replies(comment):
        return [
            x.xpath("./article/@id")[0] for x in li(comment).xpath("./ol[@class='children']/li")
        ]

    top = doc.xpath("//ol[@class='comment-list']/li/article/@id")
    assert top == [f"comment-{a.pk}", f"comment-{f.pk}"]
    assert replies(a) == [f"comment-{b.pk}", f"comment-{e.pk}"]
    assert replies(b) == [f"comment-{c.pk}", f"comment-{d.pk}"]
    assert replies(c) == replies(d) == replies(e) == replies(f) == []
    depths = {x: li(x).get("class") for x in (a, b, c, d, e, f)}
    assert depths == {
        a: "comment depth-1", b: "comment depth-2", c: "comment depth-3",
        d: "comment depth-3", e: "comment depth-2", f: "comment depth-1",
    }  # fmt: skip
    # a Reply link where a reply could still nest deeper: not on the last level
    with_reply = {x for x in (a, b, c, d, e, f) if li(x).xpath("./article//p[@class='reply']")}
    assert with_reply == {a, b, e, f}
    assert "Hidden" not in doc.text_content()
    assert len(doc.xpath("//li[contains(@class, 'comment')]")) == 6


@pytest.mark.django_db
def test_the_cached_thread_follows_every_change(client, post, make_comment, author):
    """The written thread is cached under every value it shows: an edit that bypasses save(),
    moderation, a member's new name, a new reply and closed comments all show at once."""
    edited = make_comment(author_name="Cy", content="<p>First words.</p>")
    moved = make_comment(author_name="Di", content="<p>Soon spam.</p>")
    member = make_comment(author_name="", user=author, content="<p>From a member.</p>")

    def page():
        return lxml.html.fromstring(client.get(post.get_absolute_url()).content.decode())

    assert "First words." in page().text_content()
    assert page().xpath("//p[@class='reply']")  # cached with its Reply links

    Comment.objects.filter(pk=edited.pk).update(content="<p>Second words.</p>")  # no save()
    text = page().text_content()
    assert "Second words." in text and "First words." not in text

    moved.move_to(Comment.State.SPAM, layer="moderator", reason="test")
    assert "Soon spam." not in page().text_content()

    author.display_name = "Ana Renamed"
    author.save()
    assert "Ana Renamed" in page().get_element_by_id(f"comment-{member.pk}").text_content()

    reply = make_comment(author_name="Ed", parent=edited, content="<p>A reply.</p>")
    li = page().get_element_by_id(f"comment-{reply.pk}").getparent()
    assert li.getparent().get("class") == "children"

    post.comment_status = Post.CommentStatus.CLOSED
    post.save()
    assert not page().xpath("//p[@class='reply']")
    assert "Comments are closed." in page().text_content()


@pytest.mark.django_db
@pytest.mark.parametrize("prefetched", [True, False])
def test_a_reply_to_a_pingback_says_what_it_answers(client, post, make_comment, prefetched):
    """WordPress threads replies under pingbacks; here pingbacks are shown apart, as responses,
    so an imported reply to one is shown at the top level saying which pingback it answers."""
    ping = make_comment(comment_type="pingback", author_name="Other Blog",
                        source_url="https://other.example/post/", wp_comment_id=7)  # fmt: skip
    answer = make_comment(parent=ping, wp_comment_id=8, content="<p>Thanks for the link!</p>")
    odd = make_comment(comment_type="trackback", author_name="", source_url="javascript:alert(1)")
    make_comment(parent=odd, content="<p>Odd one</p>")
    plain = make_comment(content="<p>No context</p>")
    if prefetched:
        html = client.get(post.get_absolute_url()).content.decode()
    else:  # the thread tag asks the database itself when the visitor has a comment awaiting
        from django.template import Context, Template
        from django.test import RequestFactory

        request = RequestFactory().get(post.get_absolute_url())
        request.session = {"plnet_awaiting_comments": [plain.pk]}
        request.user = None
        html = Template("{% load conversation_tags %}{% comment_thread post %}").render(
            Context({"request": request, "post": post})
        )
    page = lxml.html.fromstring(html)
    article = page.get_element_by_id(f"comment-{answer.pk}")
    context = article.xpath(".//p[@class='in-reply-to']")[0]
    assert context.text_content() == "In reply to the pingback from Other Blog"
    assert context.xpath(".//a/@href") == ["https://other.example/post/"]
    assert article.xpath("ancestor::li")[0].get("class").startswith("comment depth-1")
    texts = [p.text_content() for p in page.xpath("//p[@class='in-reply-to']")]
    assert texts == [
        "In reply to the pingback from Other Blog",
        "In reply to the trackback from an unknown site",
    ]
    assert not page.get_element_by_id(f"comment-{plain.pk}").xpath(".//p[@class='in-reply-to']")
