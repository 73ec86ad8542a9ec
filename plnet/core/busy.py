"""The site is busy: a write met SQLite's lock past the busy timeout.

On SQLite one writer holds the database at a time; a long task (a WordPress import, `plnet spam
train`) can hold it longer than the 20 s a request waits (settings.py, "timeout"). Such a request
is not a fault of the site: the person gets a 503 page with Retry-After saying to try again in a
moment, never a bare "Server Error (500)". `BusyMiddleware` answers for exceptions raised in
views; `server_error` (handler500) for those raised elsewhere (a session saved on the way out).
Pages that keep what was typed (the comment form) catch the lock themselves first.
"""

from __future__ import annotations

import logging
import sys

from django.db import OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
MESSAGE = "The site is busy with a long task (an import); try again in a moment."


def is_lock_timeout(exc: BaseException | None) -> bool:
    """True for an OperationalError that is a lock which outlived the wait: SQLite's "database is
    locked" / "database table is locked", PostgreSQL's lock timeout. Other errors are faults."""
    return isinstance(exc, OperationalError) and (
        "locked" in str(exc) or "lock timeout" in str(exc)
    )


def busy_response(request) -> HttpResponse:
    """The 503 page (templates/503.html) with Retry-After; plain text if even that fails."""
    try:
        body = loader.render_to_string("503.html", {"message": MESSAGE}, request)
        response = HttpResponse(body, status=503)
    except Exception:  # a page about trouble must not fail in its turn
        response = HttpResponse(MESSAGE, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class BusyMiddleware:
    """Turns a view's lock timeout (is_lock_timeout) into busy_response; other errors go on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_lock_timeout(exception):
            return None
        logger.warning("database busy on %s %s: %s", request.method, request.path, exception)
        return busy_response(request)


def server_error(request):
    """handler500: the busy page when the error was a lock timeout outside a view (middleware),
    else Django's own 500 page."""
    if is_lock_timeout(sys.exception()):
        return busy_response(request)
    return defaults.server_error(request)
