"""plnet.linkbacks.models: the received linkback lifecycle and the due querysets."""

import datetime as dt

import pytest
from django.utils import timezone

from plnet.linkbacks.models import InvalidTransition, OutgoingLinkback, ReceivedLinkback


def _row(post, **kw):
    fields = {
        "protocol": "webmention",
        "source": "https://s.example/1",
        "target": "https://t.example/",
    }
    return ReceivedLinkback.objects.create(
        **{**fields, "source_host": "s.example", "post": post, **kw}
    )


@pytest.mark.django_db
def test_lifecycle_records_when_and_why(post):
    row = _row(post)
    before = row.state_changed_at
    row.move_to(ReceivedLinkback.State.VERIFIED, "Verified: a like.")
    assert (row.state, row.reason) == ("verified", "Verified: a like.")
    assert row.state_changed_at >= before
    row.move_to(ReceivedLinkback.State.QUEUED, "sent again")
    assert row.state == "queued"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "to"), [("verified", "deleted"), ("refused", "verified"), ("deleted", "failed")]
)
def test_settled_states_only_go_back_to_queued(post, start, to):
    row = _row(post, state=start)
    with pytest.raises(InvalidTransition):
        row.move_to(to)


@pytest.mark.django_db
def test_due_querysets(post):
    now = timezone.now()
    due = _row(post, next_check_at=now - dt.timedelta(seconds=1))
    _row(post, source="https://s.example/2", next_check_at=now + dt.timedelta(minutes=1))
    _row(post, source="https://s.example/3", state="verified", next_check_at=now)
    assert list(ReceivedLinkback.objects.due()) == [due]
    sent = OutgoingLinkback.objects.create(
        source="a", target="b", status="sent", next_attempt_at=now
    )
    retry = OutgoingLinkback.objects.create(
        source="a", target="c", status="retrying", next_attempt_at=now
    )
    assert sent not in OutgoingLinkback.objects.due()
    assert list(OutgoingLinkback.objects.due()) == [retry]
