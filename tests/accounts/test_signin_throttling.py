"""Sign-in throttling: failed attempts are counted per (username, address) and per address in the
database (django-axes) — never per username alone, so a stranger cannot lock the owner out —
refused with a clear page (429, Retry-After) past the limit, and cleared by a successful sign-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db

LIMIT = 5  # PLNET_LOGIN_FAILURE_LIMIT's default


@pytest.fixture
def ana(django_user_model):
    return django_user_model.objects.create_user(username="ana", password="pw-ana-123!")


def _sign_in(client, username, password, ip="203.0.113.7", url="/login/"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_for_a_username_refuse_even_the_right_password(client, ana):
    for n in range(LIMIT - 1):
        assert _sign_in(client, "ana", f"wrong-{n}").status_code == 200
    fifth = _sign_in(client, "ana", "wrong-last")
    assert fifth.status_code == 429
    right = _sign_in(client, "ana", "pw-ana-123!")
    assert right.status_code == 429
    page = right.content.decode()
    assert "Too many failed sign-ins (5)" in page and "up to 15 minutes" in page
    assert "_auth_user_id" not in client.session


def test_failures_for_a_username_from_one_address_do_not_lock_her_out_elsewhere(client, ana):
    for n in range(LIMIT):
        _sign_in(client, "ana", f"wrong-{n}", ip="203.0.113.7")
    assert _sign_in(client, "ana", "pw-ana-123!", ip="203.0.113.7").status_code == 429
    assert _sign_in(client, "ana", "pw-ana-123!", ip="198.51.100.9").status_code == 302


def test_failures_for_a_username_spread_over_addresses_lock_nobody_out(client, ana):
    for n in range(2 * LIMIT):
        assert _sign_in(client, "ana", "wrong", ip=f"198.51.100.{n + 1}").status_code == 200
    assert _sign_in(client, "ana", "pw-ana-123!", ip="203.0.113.7").status_code == 302


def test_the_refusal_says_when_to_try_again(client, ana):
    from axes.models import AccessAttempt

    for n in range(LIMIT):
        _sign_in(client, "ana", f"wrong-{n}")
    first = _sign_in(client, "ana", "pw-ana-123!")
    assert first.status_code == 429
    assert 15 * 60 - 5 <= int(first["Retry-After"]) <= 15 * 60
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=10))
    later = _sign_in(client, "ana", "pw-ana-123!")
    assert 5 * 60 - 5 <= int(later["Retry-After"]) <= 5 * 60


def test_the_address_lock_lasts_until_enough_of_its_failures_have_expired(client, ana):
    from axes.models import AccessAttempt

    for n in range(LIMIT):
        _sign_in(client, f"guess{n}", "nope")
    # Six failures: guess0's leaves the window in 1 minute, guess1's in 3, the rest later; the
    # newest five stay at the limit until guess1's leaves, so 3 minutes.
    now = timezone.now()
    for n, minutes_ago in enumerate([14, 12, 1, 1, 1]):
        AccessAttempt.objects.filter(username=f"guess{n}").update(
            attempt_time=now - timedelta(minutes=minutes_ago)
        )
    AccessAttempt.objects.filter(username="guess4").update(failures_since_start=2)
    refused = _sign_in(client, "ana", "pw-ana-123!")
    assert refused.status_code == 429
    assert 3 * 60 - 5 <= int(refused["Retry-After"]) <= 3 * 60


def test_one_address_is_refused_after_failures_on_many_usernames(client, ana):
    for n in range(LIMIT):
        _sign_in(client, f"guess{n}", "nope", ip="203.0.113.7")
    assert _sign_in(client, "ana", "pw-ana-123!", ip="203.0.113.7").status_code == 429
    # Another address may still sign ana in: she was not the one failing.
    response = _sign_in(client, "ana", "pw-ana-123!", ip="198.51.100.9")
    assert response.status_code == 302


def test_the_admin_login_is_throttled_too(client, ana):
    for n in range(LIMIT):
        _sign_in(client, "ana", f"wrong-{n}", url="/admin/login/")
    assert _sign_in(client, "ana", "pw-ana-123!", url="/admin/login/").status_code == 429
    assert _sign_in(client, "ana", "pw-ana-123!", url="/login/").status_code == 429


def test_a_successful_sign_in_resets_the_count(client, ana):
    for n in range(LIMIT - 1):
        _sign_in(client, "ana", f"wrong-{n}")
    assert _sign_in(client, "ana", "pw-ana-123!").status_code == 302
    client.logout()
    for n in range(LIMIT - 1):
        assert _sign_in(client, "ana", f"again-{n}").status_code == 200
    assert _sign_in(client, "ana", "pw-ana-123!").status_code == 302


def test_failures_are_stored_in_the_database_and_expire_after_the_window(client, ana):
    from axes.models import AccessAttempt

    for n in range(LIMIT):
        _sign_in(client, "ana", f"wrong-{n}")
    attempts = AccessAttempt.objects.filter(username="ana", ip_address="203.0.113.7")
    assert attempts.get().failures_since_start == LIMIT
    attempts.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _sign_in(client, "ana", "pw-ana-123!").status_code == 302
