"""A write that meets SQLite's lock past the busy timeout (a long import holds it) gets a 503 page
with Retry-After, not a 500. The lock is held by another sqlite3 connection to the same database,
as another process (the worker running an import) would hold it."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory

from plnet.core.busy import server_error

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def write_lock_held_elsewhere():
    other = sqlite3.connect(connection.settings_dict["NAME"], uri=True, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    other.execute(  # a table sign-in does not read: WAL readers are never blocked
        "INSERT INTO conversation_spamexample (text, is_spam, source, created_at)"
        " VALUES ('x', 1, 'csv:x', '2026-01-01')"
    )
    try:
        yield
    finally:
        other.rollback()
        other.close()


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's one write lock, held by another connection"
)
def test_a_sign_in_while_an_import_holds_the_lock_asks_to_try_again(django_user_model):
    """Regression: sign-in during a dry-run import hung, then "Internal Server Error: /login/ …
    database is locked" and a bare 500."""
    django_user_model.objects.create_user("ana", password="pw-ana-123!")
    client = Client()
    with write_lock_held_elsewhere():
        response = client.post("/login/", {"username": "ana", "password": "pw-ana-123!"})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    assert "The site is busy with a long task (an import); try again in a moment." in html
    assert client.post("/login/", {"username": "ana", "password": "pw-ana-123!"}).status_code == 302


def test_a_lock_met_outside_a_view_gets_the_busy_page_too():
    request = RequestFactory().get("/")
    try:
        raise OperationalError("database is locked")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503 and response["Retry-After"] == "5"


def test_other_errors_stay_a_500():
    request = RequestFactory().get("/")
    try:
        raise OperationalError("no such table: nowhere")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 500 and not response.has_header("Retry-After")
