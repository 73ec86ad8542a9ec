"""How long a refused sign-in stays refused, read from django-axes' stored failures.

Failures are counted per (username, address) and per address alone (settings.py,
AXES_LOCKOUT_PARAMETERS); each stored AccessAttempt row holds its failures and the time of the
latest one, and counts while that time is within PLNET_LOGIN_LOCKOUT_MINUTES.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.utils import timezone


def lockout_seconds_left(request, credentials=None) -> int:
    """Whole seconds until sign-in is allowed again for this request (at least 1).

    For each key the request is counted under, the newest rows are added up until they reach the
    failure limit: the lock on that key lasts until the oldest of those rows leaves the window.
    The longest of the keys' locks is the answer. `request` must have been through axes
    (it carries `axes_ip_address`); `credentials` are those axes passes to the lockout page.
    """
    from axes.handlers.database import AxesDatabaseHandler

    now = timezone.now()
    cool_off = settings.AXES_COOLOFF_TIME
    ends = now
    for attempts in AxesDatabaseHandler().filter_user_attempts(request, credentials):
        rows = attempts.filter(attempt_time__gte=now - cool_off).order_by("-attempt_time")
        counted = 0
        for attempt_time, failures in rows.values_list("attempt_time", "failures_since_start"):
            counted += failures
            if counted >= settings.AXES_FAILURE_LIMIT:
                ends = max(ends, attempt_time + cool_off)
                break
    return max(1, math.ceil((ends - now).total_seconds()))
