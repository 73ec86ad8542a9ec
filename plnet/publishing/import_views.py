"""The WordPress import page (staff only): upload an export, follow its run, see the summary.

Kept apart from views.py (the blog and the editor). The upload view is CSRF-exempt only so that
it can put `imports.WxrUploadHandler` in place before the body is read (Django's documented way
to change upload handlers in a view); the form is then checked by `csrf_protect` as usual.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from . import imports
from .access import can_import
from .forms import WordPressImportForm
from .models import ImportRun

PAST_RUNS = 20
POSTS_SHOWN = 50
REFRESH_SECONDS = 2


def _staff_only(request):
    """None when the user may import; else the answer (sign in, or 403)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_import(request.user):
        raise PermissionDenied("Only staff may import.")
    return None


def _page(request, form, status=200, error=""):
    context = {
        "form": form,
        "error": error,
        "runs": ImportRun.objects.select_related("user").newest_first()[:PAST_RUNS],
        "active": ImportRun.objects.active().first(),
        "max_bytes": settings.IMPORT_MAX_BYTES,
    }
    return render(request, "publishing/import.html", context, status=status)


def _too_big_message() -> str:
    return (
        f"The file is larger than the {filesizeformat(settings.IMPORT_MAX_BYTES)} this page "
        "accepts (PLNET_IMPORT_MAX_BYTES). Raise the limit, or import it on the server with "
        "plnet import-wordpress FILE."
    )


@csrf_exempt
def import_wordpress(request):
    """GET: the form and past runs. POST: store the upload, start the run, go to its page."""
    if (answer := _staff_only(request)) is not None:
        return answer
    if request.method != "POST":
        return _page(request, WordPressImportForm())
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > settings.IMPORT_MAX_BYTES + imports.FORM_ALLOWANCE:
        # refused before the body is read
        return _page(request, WordPressImportForm(), status=413, error=_too_big_message())
    handler = imports.WxrUploadHandler(request, max_bytes=settings.IMPORT_MAX_BYTES)
    request.upload_handlers = [handler]
    try:
        return _upload(request, handler)
    finally:
        handler.discard()


@csrf_protect
def _upload(request, handler):
    form = WordPressImportForm(request.POST, request.FILES)
    if handler.too_big:
        return _page(request, WordPressImportForm(), status=413, error=_too_big_message())
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    try:
        run = imports.start_import(
            user=request.user,
            upload=data["file"],
            dry_run=data["dry_run"],
            author_default=data["author_default"].username if data["author_default"] else "",
            author_map=data["author_map"],
        )
    except imports.ImportBusy as busy:
        form.add_error(
            None,
            f"Another import ({busy.run.file_name}) is {busy.run.get_state_display().lower()}; "
            "one runs at a time. Upload this file again once it has ended.",
        )
        return _page(request, form, status=409)
    handler.claimed = True
    return redirect("publishing:import_run", pk=run.pk)


def import_run(request, pk):
    """A run's status: a progress line refreshed every 2 s while it is active (no JavaScript),
    then its summary (or its error) and links to the posts it created or updated."""
    if (answer := _staff_only(request)) is not None:
        return answer
    run = get_object_or_404(ImportRun.objects.select_related("user"), pk=pk)
    if run.state == ImportRun.State.RUNNING and imports.fail_stale_runs():
        run.refresh_from_db()  # its worker stopped: say so rather than refresh for ever
    posts = imports.imported_posts(run)
    context = {
        "run": run,
        "progress": imports.live_progress(run),
        "refresh": REFRESH_SECONDS if run.is_active else None,
        "posts": posts[:POSTS_SHOWN],
        "posts_total": posts.count(),
    }
    return render(request, "publishing/import_run.html", context)


@require_POST
def cancel_import(request, pk):
    """Cancel a run still waiting for the worker."""
    if (answer := _staff_only(request)) is not None:
        return answer
    run = get_object_or_404(ImportRun, pk=pk)
    if imports.cancel_import(run, request.user):
        messages.success(request, f"Cancelled the import of {run.file_name}.")
    else:
        messages.error(request, "That import had already started; it cannot be cancelled.")
    return redirect("publishing:import_run", pk=run.pk)
