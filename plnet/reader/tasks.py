"""Background work of the reader: thin tasks that take ids and call a service (safe to run twice)."""

from __future__ import annotations

from django_tasks import task

from plnet.reader import services


@task()
def fetch_source_task(source_id: int) -> None:
    """Fetch one source and store what it publishes."""
    services.fetch_source(source_id)


@task()
def fetch_sources_task(source_ids: list[int]) -> None:
    """Fetch a batch of due sources together (thread pool, per-host limit, 304s stored in bulk)."""
    services.fetch_many(source_ids)
