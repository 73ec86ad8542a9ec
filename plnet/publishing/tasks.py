"""Background tasks of publishing: thin, take ids, safe to run twice."""

from django_tasks import task

from . import imports, services


@task()
def publish_scheduled_post(post_id: int) -> bool:
    """Publish scheduled post post_id if it is due (the tick enqueues this); True if it did."""
    return services.publish_due_post(post_id)


@task()
def delete_expired_trashed_post(post_id: int) -> bool:
    """Delete post post_id for good if it has been in the trash PLNET_POST_TRASH_DAYS days (the
    tick enqueues this); True if it did."""
    return services.delete_if_trash_expired(post_id)


@task()
def run_wordpress_import(run_id: int) -> str | None:
    """Import the WordPress export of ImportRun run_id if it is still queued; its final state."""
    run = imports.run_import(run_id)
    return run.state if run is not None else None
