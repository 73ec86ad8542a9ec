"""plnet's side of `make interop` (bench/interop.sh): small steps run against plnet's database.

Usage (from the repo root, with the same PLNET_* environment as the running plnet):
  python bench/interop_plnet.py make-post TITLE [LINK]   print "<id> <absolute URL>" of a new post
  python bench/interop_plnet.py pending-pingbacks        print the held pingbacks as JSON lines
  python bench/interop_plnet.py send POST_ID             queue the post's linkbacks (the worker sends)
  python bench/interop_plnet.py wait-sent POST_ID [SECS] wait until every row settled; print the log
Exit status 0 on success, 1 when the expected thing did not happen.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plnet.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from plnet.conversation.models import Comment  # noqa: E402
from plnet.linkbacks import services  # noqa: E402
from plnet.linkbacks.models import OutgoingLinkback  # noqa: E402
from plnet.publishing.models import Post  # noqa: E402


def make_post(title: str, link: str = "") -> int:
    author = get_user_model().objects.filter(is_superuser=True).first()
    body = f"An interop test post written {timezone.now():%Y-%m-%d %H:%M:%S} UTC."
    if link:
        body += f" It cites [a WordPress post]({link}) on purpose."
    post = Post.objects.create(
        title=title,
        slug=f"interop-{int(time.time() * 1000)}",
        body=body,
        status=Post.Status.PUBLISHED,
        published_at=timezone.now() - dt.timedelta(seconds=5),
        author=author,
    )
    print(post.pk, services.post_url(post))
    return 0


def pending_pingbacks() -> int:
    rows = Comment.objects.pending().filter(comment_type=Comment.Type.PINGBACK)
    for c in rows:
        fields = {"post": c.post.title, "author_name": c.author_name, "author_url": c.author_url}
        print(json.dumps({**fields, "content": c.content}, ensure_ascii=False))
    return 0 if rows else 1


def send(post_id: str) -> int:
    with transaction.atomic():
        rows = services.send_linkbacks_for_post(int(post_id))
    print(f"queued {len(rows)} linkback(s) for the worker")
    return 0 if rows else 1


def wait_sent(post_id: str, seconds: str = "60") -> int:
    deadline = time.monotonic() + float(seconds)
    waiting = {OutgoingLinkback.Status.QUEUED, OutgoingLinkback.Status.RETRYING}
    rows = OutgoingLinkback.objects.filter(post_id=int(post_id))
    while time.monotonic() < deadline and rows.filter(status__in=waiting).exists():
        time.sleep(1)
    for row in rows:
        print(
            f"{row.target} method={row.method or '-'} endpoint={row.endpoint or '-'} "
            f"status={row.status} code={row.response_code} attempts={row.attempts} "
            f"answer={row.response_body!r}"
        )
    return 0 if rows and all(r.status == OutgoingLinkback.Status.SENT for r in rows) else 1


COMMANDS = {
    "make-post": make_post,
    "pending-pingbacks": pending_pingbacks,
    "send": send,
    "wait-sent": wait_sent,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(64)
    sys.exit(COMMANDS[sys.argv[1]](*sys.argv[2:]))
