"""Reader tasks and the tick: thin, id-taking, safe to run twice."""

from __future__ import annotations

import pytest

from plnet.core import ticks
from plnet.reader.models import Entry, Source
from plnet.reader.tasks import fetch_source_task
from tests.reader.conftest import RSS, rss

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback_fetch")]


def test_fetch_task_is_idempotent(local_server):
    local_server.routes["/f"] = (
        200,
        {"Content-Type": RSS},
        rss([("1", "One", "Tue, 03 Mar 2015 10:00:00 GMT")]),
    )
    source = Source.objects.create(url=local_server.url("/f"))
    fetch_source_task.enqueue(source.pk)
    fetch_source_task.enqueue(source.pk)
    assert Entry.objects.count() == 1
    fetch_source_task.enqueue(source.pk + 1000)  # a deleted source: nothing happens


def test_the_tick_is_registered():
    tick = ticks.registered()["reader.fetch_due"]
    assert tick.every == 60
    from plnet.reader.services import enqueue_due

    assert tick.func is enqueue_due
