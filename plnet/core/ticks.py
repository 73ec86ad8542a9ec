"""Recurring work without a timer per object: a periodic tick that turns due work into tasks.

Apps register a tick in their AppConfig.ready(): `register("publishing.publish_due", fn, every=60)`.
`fn` must be cheap and idempotent — typically a query over a `next_*_at` column that enqueues one
task per due row. It may return a short sentence saying what it did ("3 comments emptied"),
which `plnet tick` prints after the tick's name. The worker (`plnet worker`) calls `run_due()` in a loop; `plnet tick` runs every
tick once. A dead worker loses nothing: the next tick finds the same due rows.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("plnet.ticks")


@dataclass
class Tick:
    """A named periodic function, run at most once every `every` seconds."""

    name: str
    func: Callable[[], object]
    every: float
    last_run: float = field(default=0.0)
    last_result: object = None  # what func returned the last time (None when it raised)


_REGISTRY: dict[str, Tick] = {}


def register(name: str, func: Callable[[], object], *, every: float = 60.0) -> None:
    """Register (or replace) the tick `name`, to run func every `every` seconds."""
    _REGISTRY[name] = Tick(name, func, every)


def registered() -> dict[str, Tick]:
    """The registered ticks by name."""
    return dict(_REGISTRY)


def run_due(now: float | None = None, *, force: bool = False) -> list[str]:
    """Run every tick whose interval has passed (all when force); return the names run.

    A tick that raises is logged and does not stop the others.
    """
    now = time.monotonic() if now is None else now
    ran = []
    for tick in list(_REGISTRY.values()):
        if force or now - tick.last_run >= tick.every:
            tick.last_run, tick.last_result = now, None
            try:
                tick.last_result = tick.func()
            except Exception:
                log.exception("tick %s failed", tick.name)
            ran.append(tick.name)
    return ran
