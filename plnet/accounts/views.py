"""Profiles: the signed-in person edits their h-card; anyone may fetch a generated avatar."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from .avatars import identicon_svg
from .forms import ProfileForm
from .lockout import lockout_seconds_left


def locked_out(request, original_response=None, credentials=None):
    """The page django-axes answers (HTTP 429) while sign-in is refused after too many failures,
    with Retry-After: the whole seconds until the lock on this request ends (at least 1)."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(lockout_seconds_left(request, credentials))
    return response


class SignInView(auth_views.LoginView):
    """Django's sign-in page, named like every other page. LoginView puts `site_name` in its
    context from get_current_site(), which without django.contrib.sites is the request's host
    ("127.0.0.1:8000"), hiding the site's name (PLNET_SITE_NAME) given to every page."""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "site_name": settings.SITE_NAME}


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Profile saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@require_safe
def avatar(request, username):
    person = get_object_or_404(get_user_model(), username=username)
    response = HttpResponse(
        identicon_svg(person.avatar_seed, label=person.public_name), content_type="image/svg+xml"
    )
    response["Cache-Control"] = "public, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
