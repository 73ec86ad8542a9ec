"""The WordPress import page (staff only): upload an export, choose how its authors come across,
follow its run, see the summary.

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
from .forms import ImportOptionsForm, WxrUploadForm
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
    """GET: the form and past runs. POST: store the upload, go to its run's page (for the
    author choices)."""
    if (answer := _staff_only(request)) is not None:
        return answer
    if request.method != "POST":
        return _page(request, WxrUploadForm())
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > settings.IMPORT_MAX_BYTES + imports.FORM_ALLOWANCE:
        # refused before the body is read
        return _page(request, WxrUploadForm(), status=413, error=_too_big_message())
    handler = imports.WxrUploadHandler(request, max_bytes=settings.IMPORT_MAX_BYTES)
    request.upload_handlers = [handler]
    try:
        return _upload(request, handler)
    finally:
        handler.discard()


@csrf_protect
def _upload(request, handler):
    form = WxrUploadForm(request.POST, request.FILES)
    if handler.too_big:
        return _page(request, WxrUploadForm(), status=413, error=_too_big_message())
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        run = imports.receive_upload(user=request.user, upload=form.cleaned_data["file"])
    except imports.ImportBusy as busy:
        form.add_error(None, _busy_message(busy))
        return _page(request, form, status=409)
    handler.claimed = True
    return redirect("publishing:import_run", pk=run.pk)


def _busy_message(busy: imports.ImportBusy) -> str:
    return (
        f"Another import ({busy.run.file_name}) is {busy.run.get_state_display().lower()}; "
        "one runs at a time. Try again once it has ended."
    )


def import_run(request, pk):
    """A run's page: the author choices while it waits for them; then a progress line refreshed
    every 2 s while it is queued or running (no JavaScript); then its summary (or its error)
    and links to the posts it created or updated."""
    if (answer := _staff_only(request)) is not None:
        return answer
    run = get_object_or_404(ImportRun.objects.select_related("user"), pk=pk)
    if run.state in {ImportRun.State.UPLOADED, ImportRun.State.RUNNING}:
        if imports.fail_stale_runs():  # its worker stopped, or it was left: say so
            run.refresh_from_db()
    return _run_page(request, run)


def _run_page(request, run, form=None, status=200):
    posts = imports.imported_posts(run)
    if form is None and run.state == ImportRun.State.UPLOADED:
        form = ImportOptionsForm(logins=run.authors)
    context = {
        "run": run,
        "form": form,
        "progress": imports.live_progress(run),
        "refresh": REFRESH_SECONDS if run.is_active else None,
        "posts": posts[:POSTS_SHOWN],
        "posts_total": posts.count(),
    }
    return render(request, "publishing/import_run.html", context, status=status)


@require_POST
def start_import(request, pk):
    """Start an uploaded run with the author choices and options."""
    if (answer := _staff_only(request)) is not None:
        return answer
    run = get_object_or_404(ImportRun, pk=pk)
    if run.state != ImportRun.State.UPLOADED:
        return redirect("publishing:import_run", pk=run.pk)  # started already (sent twice)
    form = ImportOptionsForm(request.POST, logins=run.authors)
    if not form.is_valid():
        return _run_page(request, run, form, status=400)
    data = form.cleaned_data
    try:
        imports.start_import(
            run,
            dry_run=data["dry_run"],
            author_default=data["author_default"].username if data["author_default"] else "",
            author_map=form.chosen_map(),
        )
    except imports.ImportBusy as busy:
        form.add_error(None, _busy_message(busy))
        return _run_page(request, run, form, status=409)
    except ValueError:
        pass  # cancelled, or started by a request sent at the same time
    return redirect("publishing:import_run", pk=run.pk)


@require_POST
def import_now(request, pk):
    """After a dry run: import the same file for real with the same choices (a new run)."""
    if (answer := _staff_only(request)) is not None:
        return answer
    dry = get_object_or_404(ImportRun, pk=pk)
    try:
        run = imports.import_now(dry, request.user)
    except imports.ImportBusy as busy:
        messages.error(request, _busy_message(busy))
    except ValueError:
        messages.error(request, "The file of that dry run is no longer kept: upload it again.")
    else:
        return redirect("publishing:import_run", pk=run.pk)
    return redirect("publishing:import_run", pk=dry.pk)


@require_POST
def cancel_import(request, pk):
    """Cancel a run not started yet."""
    if (answer := _staff_only(request)) is not None:
        return answer
    run = get_object_or_404(ImportRun, pk=pk)
    if imports.cancel_import(run, request.user):
        messages.success(request, f"Cancelled the import of {run.file_name}.")
    else:
        messages.error(request, "That import had already started; it cannot be cancelled.")
    return redirect("publishing:import_run", pk=run.pk)
