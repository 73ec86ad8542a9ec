"""plnet.core.clientip: the client's address, from REMOTE_ADDR or, behind a trusted reverse
proxy, from the right of X-Forwarded-For; and the three places that ask for it (sign-in
throttling, the comment rate per address, received linkbacks)."""

from __future__ import annotations

import dataclasses
import ipaddress

import pytest
from django.test import RequestFactory

from plnet.config import ConfigError, load_config
from plnet.core.clientip import client_ip, parse_address

PROXY = "10.0.0.2"  # our nginx
INNER = "10.0.0.3"  # a second proxy of ours (a load balancer in front of nginx)


@pytest.fixture
def trusting(settings):
    """Trust 10.0.0.0/29 and fd00::1 as our proxies."""

    def trust(*networks: str):
        settings.PLNET = dataclasses.replace(
            settings.PLNET,
            trusted_proxies=tuple(ipaddress.ip_network(n, strict=False) for n in networks),
        )

    trust("10.0.0.0/29", "fd00::1")
    return trust


def ip_of(remote: str | None, forwarded: str | None = None) -> str:
    meta = {}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **meta)
    if remote is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote
    return client_ip(request)


# --- the function ---------------------------------------------------------------------------------


def test_without_trusted_proxies_the_header_is_ignored(settings):
    assert settings.PLNET.trusted_proxies == ()  # the default trusts nobody
    assert ip_of("198.51.100.4") == "198.51.100.4"
    assert ip_of("198.51.100.4", "203.0.113.9") == "198.51.100.4"


def test_no_header_from_a_trusted_proxy_is_the_proxy(trusting):
    assert ip_of(PROXY) == PROXY
    assert ip_of(PROXY, "") == PROXY
    assert ip_of(PROXY, "  ") == PROXY


def test_one_hop(trusting):
    assert ip_of(PROXY, "203.0.113.9") == "203.0.113.9"


def test_several_hops_walk_from_the_right_past_our_proxies(trusting):
    assert ip_of(PROXY, f"203.0.113.9, {INNER}") == "203.0.113.9"
    # The client forged a left-most address: the right-most untrusted one is who reached us.
    assert ip_of(PROXY, f"1.2.3.4, 203.0.113.9, {INNER}") == "203.0.113.9"


def test_all_trusted_gives_the_left_most(trusting):
    assert ip_of(PROXY, f"{INNER}, 10.0.0.4") == INNER


def test_a_forged_header_from_an_untrusted_address_is_ignored(trusting):
    assert ip_of("198.51.100.4", "203.0.113.9") == "198.51.100.4"
    assert ip_of("198.51.100.4", f"203.0.113.9, {PROXY}") == "198.51.100.4"


@pytest.mark.parametrize(
    "header",
    [
        "unknown",
        "203.0.113.9, garbage",
        "203.0.113.9,,",
        "203.0.113.300",
        "example.org",
        "203.0.113.9:port",
        "[2001:db8::1",
        "[2001:db8::1]x",
        "fe80::1%eth0",
        "203.0.113.0/24",
        "\x00",
        "２０３.0.113.9",  # full-width digits
        ", ".join(["203.0.113.9"] * 101),  # absurdly long chains are not read
    ],
)
def test_garbage_falls_back_to_remote_addr(trusting, header):
    assert ip_of(PROXY, header) == PROXY


def test_ports_and_brackets_as_proxies_write_them(trusting):
    assert ip_of(PROXY, "203.0.113.9:51234") == "203.0.113.9"
    assert ip_of(PROXY, "[2001:db8::7]:443") == "2001:db8::7"
    assert ip_of(PROXY, "[2001:db8::7]") == "2001:db8::7"


def test_ipv6(trusting):
    assert ip_of("fd00::1", "2001:DB8:0:0::7") == "2001:db8::7"  # normalised
    assert ip_of("fd00::1", "2001:db8::7, fd00::1") == "2001:db8::7"
    assert ip_of("fd00::2", "2001:db8::7") == "fd00::2"  # not trusted
    assert ip_of(PROXY, "203.0.113.9, 2001:db8::7") == "2001:db8::7"


def test_ipv4_mapped_addresses_count_as_ipv4(trusting):
    assert ip_of("::ffff:10.0.0.2", "203.0.113.9") == "203.0.113.9"
    assert ip_of(PROXY, "::ffff:203.0.113.9") == "203.0.113.9"


def test_missing_or_odd_remote_addr(trusting):
    assert ip_of(None, "203.0.113.9") == ""
    assert ip_of("unix-socket", "203.0.113.9") == "unix-socket"


def test_parse_address_shapes():
    assert parse_address("192.0.2.1") == ipaddress.ip_address("192.0.2.1")
    assert parse_address(" 192.0.2.1:8080 ") == ipaddress.ip_address("192.0.2.1")
    assert parse_address("2001:db8::1") == ipaddress.ip_address("2001:db8::1")
    assert parse_address("") is None
    assert parse_address("192.0.2.1:") is None
    assert parse_address("[192.0.2.1]:x") is None


def test_the_setting_is_read_and_checked(tmp_path):
    cfg = load_config({"PLNET_DATA_DIR": str(tmp_path)})
    assert cfg.trusted_proxies == ()
    cfg = load_config(
        {"PLNET_DATA_DIR": str(tmp_path), "PLNET_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8,::1"}
    )
    assert cfg.trusted_proxies == (
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )
    with pytest.raises(ConfigError, match="PLNET_TRUSTED_PROXIES"):
        load_config({"PLNET_DATA_DIR": str(tmp_path), "PLNET_TRUSTED_PROXIES": "nginx"})


# --- the places that use it -----------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_in_throttling_counts_clients_behind_the_proxy_apart(
    client, trusting, django_user_model
):
    from axes.models import AccessAttempt

    django_user_model.objects.create_user(username="ana", password="pw-ana-123!")
    limit = 5  # PLNET_LOGIN_FAILURE_LIMIT's default

    def sign_in(username, password, who):
        return client.post(
            "/login/",
            {"username": username, "password": password},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=who,
        )

    for n in range(limit):
        sign_in(f"guess{n}", "nope", "203.0.113.9")
    assert sign_in("ana", "pw-ana-123!", "203.0.113.9").status_code == 429
    # Another visitor, through the same proxy, is not locked out by the first one.
    assert sign_in("ana", "pw-ana-123!", "198.51.100.4").status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


@pytest.mark.django_db
def test_sign_in_throttling_ignores_a_forged_header_without_trusted_proxies(
    client, django_user_model
):
    django_user_model.objects.create_user(username="ana", password="pw-ana-123!")
    for n in range(5):
        client.post(
            "/login/",
            {"username": f"guess{n}", "password": "nope"},
            REMOTE_ADDR="198.51.100.4",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",  # a new "address" each try
        )
    refused = client.post(
        "/login/", {"username": "ana", "password": "pw-ana-123!"}, REMOTE_ADDR="198.51.100.4"
    )
    assert refused.status_code == 429


@pytest.mark.django_db
def test_comment_rate_and_stored_address_are_the_client_s(client, trusting):
    import datetime as dt

    from django.utils import timezone

    from plnet.conversation.forms import loaded_token
    from plnet.conversation.models import Comment, CommentSettings
    from plnet.publishing.models import Post

    rules = CommentSettings.load()
    rules.min_seconds, rules.rate_limit_per_hour, rules.hold_first_comment = 0, 2, False
    rules.save()
    post = Post.objects.create(
        title="Hello", slug="hello", body="A post.", status="published",
        published_at=timezone.now() - dt.timedelta(days=1),
    )  # fmt: skip

    def send(n, who):
        data = {"post": post.pk, "loaded": loaded_token(), "name": f"P{n}", "text": f"Words {n}",
                "email": f"p{n}@example.net"}  # fmt: skip
        client.post("/comments/post/", data, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=who)
        return Comment.objects.get(author_name=f"P{n}")

    first = [send(n, "203.0.113.9") for n in range(3)]
    assert [c.state for c in first] == ["approved", "approved", "pending"]  # over 2 an hour
    assert {c.author_ip for c in first} == {"203.0.113.9"}
    other = send(9, "198.51.100.4")  # same proxy, another visitor: not held by the first's rate
    assert (other.state, other.author_ip) == ("approved", "198.51.100.4")


@pytest.mark.django_db
def test_received_webmentions_record_the_client_s_address(client, trusting):
    import datetime as dt
    from urllib.parse import urlencode

    from django.conf import settings

    from plnet.linkbacks.models import InboundHit, ReceivedLinkback
    from plnet.publishing.models import Post

    post = Post.objects.create(
        title="Hi", slug="hi", status="published",
        published_at=dt.datetime(2024, 3, 5, 12, tzinfo=dt.UTC),
    )  # fmt: skip
    target = settings.SITE_URL + post.get_absolute_url()
    response = client.post(
        "/webmention",
        urlencode({"source": "https://b.example/1", "target": target}),
        content_type="application/x-www-form-urlencoded",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9",
    )
    assert response.status_code == 201
    assert ReceivedLinkback.objects.get().remote_ip == "203.0.113.9"
    assert InboundHit.objects.get().remote_ip == "203.0.113.9"
