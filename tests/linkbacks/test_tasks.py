"""plnet.linkbacks.tasks and the tick: thin, id-taking, safe to run twice."""

import datetime as dt

import pytest
from django.utils import timezone

from plnet.core import ticks
from plnet.linkbacks import services, tasks
from plnet.linkbacks.models import InboundHit, OutgoingLinkback, ReceivedLinkback, SourceFetch
from plnet.linkbacks.tasks import send_linkback_task, verify_webmention_task

HTML = {"Content-Type": "text/html"}


def test_tick_is_registered():
    assert ticks.registered()["linkbacks.due"].func is services.enqueue_due


def test_verify_task_twice_fetches_once(post, target, local_server, allow_loopback_fetch):
    local_server.routes["/n"] = (
        200,
        HTML,
        f'<p class="h-entry"><a class="u-like-of" href="{target}">x</a></p>'.encode(),
    )
    row = services.receive_webmention(local_server.url("/n"), target, request_host="testserver")
    verify_webmention_task.enqueue(row.pk)
    verify_webmention_task.enqueue(row.pk)
    row.refresh_from_db()
    assert row.state == "verified"
    assert len(local_server.requests) == 1
    assert row.comment.comment_type == "like"


@pytest.mark.django_db
def test_send_task_ignores_settled_and_missing_rows(local_server):
    row = OutgoingLinkback.objects.create(
        source="http://127.0.0.1:8000/p/", target=local_server.url("/t"), status="sent"
    )
    send_linkback_task.enqueue(row.pk)
    send_linkback_task.enqueue(987654)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 0)
    assert local_server.requests == []


@pytest.mark.django_db
def test_tick_leases_what_it_queues_and_prunes_old_records(post, monkeypatch):
    queued = []

    class Recorder:
        def __init__(self, name):
            self.name = name

        def enqueue(self, pk):
            queued.append((self.name, pk))

    monkeypatch.setattr(tasks, "verify_webmention_task", Recorder("verify"))
    monkeypatch.setattr(tasks, "send_linkback_task", Recorder("send"))
    past = timezone.now() - dt.timedelta(seconds=5)
    received = ReceivedLinkback.objects.create(
        protocol="webmention",
        source="https://s.example/",
        target="https://t/",
        source_host="s.example",
        post=post,
        next_check_at=past,
    )
    outgoing = OutgoingLinkback.objects.create(
        source="a", target="b", status="retrying", next_attempt_at=past
    )
    old = timezone.now() - dt.timedelta(days=2)
    InboundHit.objects.create(source_host="s.example", at=old)
    SourceFetch.objects.create(url="https://s.example/", fetched_at=old)
    assert services.enqueue_due() == (1, 1)
    assert queued == [("verify", received.pk), ("send", outgoing.pk)]
    assert services.enqueue_due() == (0, 0)  # leased: not queued twice
    received.refresh_from_db()
    assert received.next_check_at > timezone.now() + dt.timedelta(minutes=9)
    assert InboundHit.objects.count() == 0 and SourceFetch.objects.count() == 0
