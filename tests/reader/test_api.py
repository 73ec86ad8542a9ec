"""The JSON API (/api/v1/): bearer tokens, sources, entries with filters and keyset pagination,
PATCH of read/starred — as documented in docs/api.md."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plnet.reader.actions import create_token
from plnet.reader.models import Entry, EntryState, Folder, Person, Source, Subscription

pytestmark = pytest.mark.django_db
BASE = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def setup(member):
    folder = Folder.objects.create(user=member, name="Friends")
    person = Person.objects.create(user=member, name="Ton")
    a = Source.objects.create(
        url="https://a.example/feed", title="A", state="error", last_error="HTTP 500"
    )
    b = Source.objects.create(url="https://b.example/feed", title="B")
    Subscription.objects.create(user=member, source=a, person=person, folder=folder)
    Subscription.objects.create(user=member, source=b)
    for i in range(7):
        Entry.objects.create(
            source=a if i % 2 else b,
            dedup_key=str(i),
            title=f"e{i}",
            published_at=BASE + timedelta(days=i),
        )
    _, token = create_token(member, "test")
    return {"token": token, "a": a, "b": b, "person": person, "folder": folder}


def get(client, url, token, **params):
    return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_401_without_or_with_a_wrong_token(client, setup):
    assert client.get("/api/v1/entries").status_code == 401
    response = get(client, "/api/v1/entries", "plnet_wrong")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert "error" in response.json()


def test_sources(client, setup):
    data = get(client, "/api/v1/sources", setup["token"]).json()["sources"]
    assert [s["url"] for s in data] == ["https://a.example/feed", "https://b.example/feed"]
    first = data[0]
    assert first["person"] == {"id": setup["person"].pk, "name": "Ton"}
    assert first["folder"] == {"id": setup["folder"].pk, "name": "Friends"}
    assert (first["state"], first["last_error"], first["last_fetched_at"]) == (
        "error",
        "HTTP 500",
        None,
    )


def test_entries_keyset_pagination(client, setup):
    titles, params = [], {"limit": "3"}
    for _ in range(5):
        data = get(client, "/api/v1/entries", setup["token"], **params).json()
        titles += [e["title"] for e in data["entries"]]
        if not data["next"]:
            break
        params = {"limit": "3", "after": data["next"]}
    assert titles == [f"e{i}" for i in range(6, -1, -1)]


def test_entries_filters(client, setup):
    t = setup["token"]
    by_source = get(client, "/api/v1/entries", t, source=setup["a"].pk).json()["entries"]
    assert [e["title"] for e in by_source] == ["e5", "e3", "e1"]
    assert [
        e["title"]
        for e in get(client, "/api/v1/entries", t, person=setup["person"].pk).json()["entries"]
    ] == ["e5", "e3", "e1"]
    assert [
        e["title"]
        for e in get(client, "/api/v1/entries", t, folder=setup["folder"].pk).json()["entries"]
    ] == ["e5", "e3", "e1"]
    since = get(client, "/api/v1/entries", t, since="2024-01-06T00:00:00+00:00").json()["entries"]
    assert [e["title"] for e in since] == ["e6", "e5"]
    assert get(client, "/api/v1/entries", t, since="yesterday").status_code == 400


def test_patch_read_and_starred_then_filter(client, setup, member):
    t = setup["token"]
    entry = Entry.objects.get(title="e3")
    response = client.patch(
        f"/api/v1/entries/{entry.pk}", data='{"read": true, "starred": true}',
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {t}",
    )  # fmt: skip
    assert response.status_code == 200
    assert (response.json()["read"], response.json()["starred"]) == (True, True)
    state = EntryState.objects.get(user=member, entry=entry)
    assert (state.read, state.starred) == (True, True)
    assert [
        e["title"] for e in get(client, "/api/v1/entries", t, starred="true").json()["entries"]
    ] == ["e3"]
    assert len(get(client, "/api/v1/entries", t, unread="true").json()["entries"]) == 6
    bad = client.patch(
        f"/api/v1/entries/{entry.pk}",
        data='{"read": "yes"}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {t}",
    )
    assert bad.status_code == 400


def test_another_members_entry_is_404(client, setup, other_member):
    _, token = create_token(other_member)
    entry = Entry.objects.first()
    assert get(client, f"/api/v1/entries/{entry.pk}", token).status_code == 404
    response = client.patch(
        f"/api/v1/entries/{entry.pk}",
        data='{"read": true}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 404 and not EntryState.objects.exists()
    assert get(client, "/api/v1/entries", token).json() == {"entries": [], "next": None}


def test_full_text_query(client, setup):
    from plnet.reader import search

    entry = Entry.objects.get(title="e2")
    entry.title = "Rhizomatic learning"
    entry.save()
    search.index_entries(Entry.objects.all())
    data = get(client, "/api/v1/entries", setup["token"], q="rhizomatic").json()
    assert [e["id"] for e in data["entries"]] == [entry.pk]


@pytest.mark.parametrize("limit", ["abc", "-1", "2.5"])
def test_a_bad_limit_is_explained(client, setup, limit):
    """Regression: ?limit=abc answered with Python's own int() error text."""
    response = get(client, "/api/v1/entries", setup["token"], limit=limit)
    assert response.status_code == 400
    assert response.json() == {"error": "limit must be a whole number from 1 to 200"}


@pytest.mark.parametrize("limit", ["0", "201", "-5", "99999999999999999999"])
def test_a_limit_out_of_range_is_a_400_not_clamped(client, setup, limit):
    response = get(client, "/api/v1/entries", setup["token"], limit=limit)
    assert response.status_code == 400
    assert response.json() == {"error": "limit must be a whole number from 1 to 200"}


@pytest.mark.parametrize("limit", [1, 200])
def test_the_limit_bounds_are_accepted(client, setup, limit):
    response = get(client, "/api/v1/entries", setup["token"], limit=str(limit))
    assert response.status_code == 200
    assert len(response.json()["entries"]) == min(limit, 7)


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/api/v1/entries/13/", "no such endpoint: did you mean /api/v1/entries/13 (no slash)?"),
        ("/api/v1/sources/", "no such endpoint: did you mean /api/v1/sources (no slash)?"),
        ("/api/v1/", "no such endpoint (see docs/api.md)"),
        ("/api/", "no such endpoint (see docs/api.md)"),
        ("/api", "no such endpoint (see docs/api.md)"),
        ("/api/v2/entries", "no such endpoint (see docs/api.md)"),
        ("/api/v1/nothing/here", "no such endpoint (see docs/api.md)"),
    ],
)
def test_any_other_path_under_api_is_a_json_404(client, setup, path, error):
    response = get(client, path, setup["token"])
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": error}


def test_an_impossible_since_date_is_a_400(client, setup):
    response = get(client, "/api/v1/entries", setup["token"], since="2024-13-01T00:00:00Z")
    assert response.status_code == 400
    assert response.json()["error"].startswith("since must be an ISO 8601 date and time")
