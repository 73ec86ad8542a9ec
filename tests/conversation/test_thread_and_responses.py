"""The comment thread and the responses list share a post page without showing anything twice."""

import re

import pytest

from plnet.conversation.models import Comment
from plnet.conversation.services import thread


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
