"""The Akismet layer against a local fake that answers as Akismet's API documents
(https://akismet.com/developers/): comment-check answers "true"/"false", submit-spam and
submit-ham "Thanks for making the web a better place.", a bad key "invalid"."""

from __future__ import annotations

import dataclasses
import time
from urllib.parse import parse_qs

import pytest

from plnet.conversation import akismet, services
from plnet.conversation.models import Comment

pytestmark = pytest.mark.django_db
THANKS = b"Thanks for making the web a better place."


def _answer(handler, body: bytes, status=200, headers=None):
    handler.send_response(status)
    handler.send_header("Content-Type", "text/plain; charset=utf-8")
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _form(handler) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(handler.request_body.decode()).items()}


@pytest.fixture
def fake_akismet(local_server, allow_loopback_fetch, settings, monkeypatch):
    """A fake Akismet: spam for the documented test author 'viagra-test-123', ham otherwise."""

    def check(handler):
        form = _form(handler)
        if form.get("api_key") != "k3y":
            return _answer(handler, b"invalid", headers={"X-akismet-debug-help": "bad key"})
        spam = form.get("comment_author") == "viagra-test-123"
        _answer(handler, b"true" if spam else b"false")

    local_server.routes["/1.1/comment-check"] = check
    local_server.routes["/1.1/submit-spam"] = lambda h: _answer(h, THANKS)
    local_server.routes["/1.1/submit-ham"] = lambda h: _answer(h, THANKS)
    monkeypatch.setattr(akismet, "API_URL", local_server.url(""))
    settings.PLNET = dataclasses.replace(settings.PLNET, akismet_key="k3y")
    return local_server


def comment(post, **fields):
    data = {"post": post, "author_name": "Bo", "author_email": "bo@example.net"}
    data.update(fields)
    data.setdefault("raw_content", "Thoughtful words.")
    return Comment(**data)


def test_akismet_is_off_without_a_key(post, rules, local_server):
    assert not akismet.is_enabled()
    c = services.place_incoming(comment(post))
    assert c.spam_layer == "moderation" and local_server.requests == []


def test_akismet_spam_goes_to_spam_with_its_reason(fake_akismet, post, rules):
    c = services.place_incoming(
        comment(post, author_name="viagra-test-123"),
        request_meta={"ip": "192.0.2.5", "user_agent": "Firefox", "honeypot_field": "hp"},
    )
    assert (c.state, c.spam_layer, c.spam_reason) == ("spam", "akismet", "Akismet says spam")
    method, path, _, body = fake_akismet.requests[0]
    sent = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    assert (method, path) == ("POST", "/1.1/comment-check")
    assert sent["user_ip"] == "192.0.2.5"
    assert sent["comment_content"] == "Thoughtful words."
    assert sent["comment_author_email"] == "bo@example.net"
    assert sent["honeypot_field_name"] == "hp"
    assert sent["permalink"].endswith(post.get_absolute_url())


def test_akismet_ham_leaves_the_decision_to_the_moderation_rule(fake_akismet, post, rules):
    c = services.place_incoming(comment(post))
    assert (c.state, c.spam_layer) == ("pending", "moderation")  # first comment: held


def test_akismet_down_holds_the_comment(fake_akismet, post, rules):
    fake_akismet.routes["/1.1/comment-check"] = lambda h: _answer(h, b"oops", status=503)
    c = services.place_incoming(comment(post, author_name="viagra-test-123"))
    assert (c.state, c.spam_layer) == ("pending", "akismet")
    assert "did not answer" in c.spam_reason
    assert Comment.objects.filter(pk=c.pk).exists()


def test_akismet_slow_holds_the_comment(fake_akismet, post, rules, monkeypatch):
    monkeypatch.setattr(akismet, "TIMEOUT", 0.5)

    def slow(handler):
        time.sleep(1.5)
        _answer(handler, b"false")

    fake_akismet.routes["/1.1/comment-check"] = slow
    started = time.monotonic()
    c = services.place_incoming(comment(post))
    assert time.monotonic() - started < 1.4
    assert (c.state, c.spam_layer) == ("pending", "akismet")


def test_akismet_bad_key_holds(fake_akismet, post, rules, settings):
    settings.PLNET = dataclasses.replace(settings.PLNET, akismet_key="wrong")
    c = services.place_incoming(comment(post))
    assert (c.state, c.spam_layer) == ("pending", "akismet")


def test_akismet_is_refused_on_a_private_address_without_permission(
    local_server, post, rules, settings, monkeypatch
):
    """The Akismet call goes through plnet.core.http.fetch: its SSRF guard applies."""
    monkeypatch.setattr(akismet, "API_URL", local_server.url(""))
    settings.PLNET = dataclasses.replace(settings.PLNET, akismet_key="k3y")
    c = services.place_incoming(comment(post))
    assert c.spam_layer == "akismet" and c.state == "pending"
    assert local_server.requests == []


def test_moderation_reports_spam_and_ham_to_akismet(
    fake_akismet, make_comment, author, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("plnet.conversation.training.train_from_site", lambda source: None)
    c = make_comment(state="pending", author_ip="192.0.2.9")
    with django_capture_on_commit_callbacks(execute=True):
        services.moderate(c, "spam", by=author)
    with django_capture_on_commit_callbacks(execute=True):
        services.moderate(c, "not_spam", by=author)
    paths = [path for _, path, _, _ in fake_akismet.requests]
    assert paths == ["/1.1/submit-spam", "/1.1/submit-ham"]
    sent = parse_qs(fake_akismet.requests[0][3].decode())
    assert sent["user_ip"] == ["192.0.2.9"] and sent["comment_content"] == ["A thought."]
