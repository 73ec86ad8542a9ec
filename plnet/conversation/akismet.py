"""Akismet, optional: asked only when PLNET_AKISMET_KEY is set, through the `akismet` package.

The package's SyncClient speaks Akismet's REST API (comment-check, submit-spam, submit-ham,
https://akismet.com/developers/). We hand it an httpx client whose transport sends every request
through `plnet.core.http.fetch`, so Akismet calls get the same SSRF guard, deadline and size cap
as every other outbound request, and so the endpoint can be pointed elsewhere (`API_URL`, which
tests set to a local fake). Any failure raises `AkismetUnavailable`; callers hold the comment.
"""

from __future__ import annotations

import dataclasses

import akismet
import httpx
from django.conf import settings

import plnet
from plnet.core.http import FetchError, default_policy, fetch

from .models import Comment

OFFICIAL_URL = "https://rest.akismet.com"
API_URL = OFFICIAL_URL  # where requests go; tests point it at a local fake server
TIMEOUT = 4.0  # seconds: slower than this and the comment is held rather than kept waiting


class AkismetUnavailable(Exception):
    """Akismet could not be asked (down, slow, refused, or answered nonsense)."""


class FetchTransport(httpx.BaseTransport):
    """An httpx transport that sends each request through plnet.core.http.fetch, rewriting
    Akismet's official base URL to `base_url`."""

    def __init__(self, base_url: str, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url.startswith(OFFICIAL_URL):
            url = self.base_url + url[len(OFFICIAL_URL) :]
        policy = dataclasses.replace(
            default_policy(), timeout=min(self.timeout, default_policy().timeout)
        )
        headers = {
            k: v for k, v in request.headers.items() if k.lower() in {"content-type", "user-agent"}
        }
        try:
            response = fetch(
                url,
                method=request.method,
                headers=headers,
                data=request.read(),
                policy=policy,
                follow_redirects=False,
            )
        except FetchError as exc:
            raise httpx.ConnectError(str(exc), request=request) from None
        return httpx.Response(response.status, headers=response.headers, content=response.content)


def is_enabled() -> bool:
    """True when the owner gave an Akismet key."""
    return bool(settings.PLNET.akismet_key)


def _client() -> akismet.SyncClient:
    """A SyncClient on our transport. Not used as a context manager: entering one verifies the
    key with an extra request every time; a bad key shows up as "invalid" answers instead."""
    config = akismet.Config(key=settings.PLNET.akismet_key, url=settings.SITE_URL + "/")
    agent = f"plnet/{plnet.__version__} | {akismet.USER_AGENT}"
    http = httpx.Client(transport=FetchTransport(API_URL, TIMEOUT), headers={"User-Agent": agent})
    return akismet.SyncClient(config=config, http_client=http)


def _arguments(comment: Comment, request_meta: dict) -> dict:
    args = {
        "comment_type": "comment" if comment.comment_type == "comment" else comment.comment_type,
        "comment_author": comment.author_name,
        "comment_author_email": comment.author_email,
        "comment_author_url": comment.author_url,
        "comment_content": comment.raw_content or comment.content,
        "permalink": settings.SITE_URL + comment.post.get_absolute_url(),
        "user_agent": request_meta.get("user_agent") or comment.user_agent,
        "referrer": request_meta.get("referrer", ""),
        "blog_lang": settings.LANGUAGE_CODE,
        "blog_charset": "UTF-8",
    }
    if request_meta.get("honeypot_field"):
        args["honeypot_field_name"] = request_meta["honeypot_field"]
    return {k: v for k, v in args.items() if v}


def check(comment: Comment, request_meta: dict) -> bool:
    """Ask Akismet's comment-check whether comment is spam (True) or ham (False).

    Raises AkismetUnavailable when Akismet cannot answer in TIMEOUT seconds or answers
    something other than "true"/"false".
    """
    ip = request_meta.get("ip") or comment.author_ip or "127.0.0.1"
    client = _client()
    try:
        return bool(client.comment_check(ip, **_arguments(comment, request_meta)))
    except akismet.AkismetError as exc:
        raise AkismetUnavailable(str(exc)) from None
    finally:
        client._http_client.close()


def report(comment: Comment, *, spam: bool) -> None:
    """Tell Akismet a moderator's decision (submit-spam or submit-ham).

    Raises AkismetUnavailable when Akismet does not acknowledge it.
    """
    ip = comment.author_ip or "127.0.0.1"
    client = _client()
    try:
        submit = client.submit_spam if spam else client.submit_ham
        submit(ip, **_arguments(comment, {}))
    except akismet.AkismetError as exc:
        raise AkismetUnavailable(str(exc)) from None
    finally:
        client._http_client.close()
