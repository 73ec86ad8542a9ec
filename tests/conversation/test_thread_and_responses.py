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
