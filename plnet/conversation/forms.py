"""Forms of conversation: the comment form under a post, the moderator's edit and reply forms,
and the site's comment settings."""

from __future__ import annotations

import time

from django import forms
from django.core import signing

from plnet.core.ids import IdField

from .models import Comment, CommentSettings

HONEYPOT_FIELD = "contact_me_by_fax_only"
LOADED_SALT = "plnet.conversation.form-loaded"
MAX_TEXT = 10_000


def loaded_token() -> str:
    """A signed token holding the time the form was shown (checked against min_seconds)."""
    return signing.dumps(time.time(), salt=LOADED_SALT)


class CommentForm(forms.Form):
    """A comment or reply. Name and email are required unless the person is signed in; the
    honeypot field is hidden from people (CSS and aria-hidden) and must stay empty."""

    post = IdField(widget=forms.HiddenInput)
    parent = IdField(required=False, widget=forms.HiddenInput)
    loaded = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label="Name", max_length=250, required=False)
    email = forms.EmailField(
        label="Email",
        max_length=254,
        required=False,
        help_text="Never shown publicly.",
    )
    url = forms.URLField(label="Website", max_length=1000, required=False, assume_scheme="https")
    text = forms.CharField(
        label="Comment",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Markdown: *emphasis*, **strong**, `code`, [links](https://…), > quotes, lists.",
        error_messages={"required": "Please write a comment before sending it."},
    )
    notify_replies = forms.BooleanField(label="Email me replies to this comment", required=False)
    contact_me_by_fax_only = forms.CharField(
        label="Leave this field empty", required=False, max_length=200
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user is not None and user.is_authenticated:
            for name in ("name", "email", "url"):
                self.fields[name].widget = forms.HiddenInput()
        else:
            for name in ("name", "email"):
                self.fields[name].widget.attrs["aria-required"] = "true"
        self.fields["text"].widget.attrs["aria-required"] = "true"

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Please write a comment before sending it.")
        return text

    def clean_url(self):
        url = self.cleaned_data["url"]
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("A website address starts with http:// or https://.")
        return url

    def clean(self):
        data = super().clean()
        if self.user is None or not self.user.is_authenticated:
            if not data.get("name", "").strip() and "name" not in self.errors:
                self.add_error("name", "Please give your name.")
            if not data.get("email") and "email" not in self.errors:
                self.add_error("email", "Please give your email address (it is never shown).")
        return data

    def full_clean(self):
        """Validate, and mark each field in error with aria-invalid (read by screen readers)."""
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"

    def form_seconds(self) -> float | None:
        """Seconds since the form was first shown, or None when the token is missing, forged or
        malformed (the form layer counts that as a failed check, see layers.form_checks)."""
        try:
            shown = signing.loads(self.cleaned_data.get("loaded") or "", salt=LOADED_SALT)
            return time.time() - float(shown)
        except (signing.BadSignature, TypeError, ValueError):
            return None


class ModerationEditForm(forms.ModelForm):
    """A moderator's edit of a comment's words and author fields.

    As on the public form, a comment cannot be saved empty: the words are required for what the
    thread shows (typed comments, Webmention replies; a like or a repost may have none), and the
    name for a typed comment not written by a member (a member's shows their public name).
    Blank-only values count as empty. An invalid form is shown again with the typed values.
    """

    author_url = forms.URLField(
        label="Website", max_length=1000, required=False, assume_scheme="https"
    )

    class Meta:
        model = Comment
        fields = ["author_name", "author_email", "author_url", "raw_content"]
        labels = {
            "author_name": "Name",
            "author_email": "Email",
            "author_url": "Website",
            "raw_content": "Comment (Markdown)",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Edited in its own format: a comment imported from WordPress keeps its HTML.
        if self.instance.is_html:
            self.fields["raw_content"].label = "Comment (HTML)"
            self.fields[
                "raw_content"
            ].help_text = "Imported from WordPress: HTML, sanitised when shown."
        comment = self.instance
        self.fields["raw_content"].required = comment.comment_type in Comment.CONVERSATIONAL
        self.fields["raw_content"].error_messages["required"] = (
            "The comment cannot be empty; to remove it, move it to the trash."
        )
        self.fields["author_name"].required = (
            comment.comment_type == Comment.Type.COMMENT and not comment.user_id
        )
        self.fields["author_name"].error_messages["required"] = "Please give the author's name."


class ModerationReplyForm(forms.Form):
    text = forms.CharField(label="Your reply", max_length=MAX_TEXT, widget=forms.Textarea)


class CommentSettingsForm(forms.ModelForm):
    class Meta:
        model = CommentSettings
        fields = [
            "close_after_days",
            "hold_all",
            "hold_first_comment",
            "approve_known_authors",
            "max_links",
            "disallowed_words",
            "min_seconds",
            "rate_limit_per_hour",
        ]
        widgets = {"disallowed_words": forms.Textarea(attrs={"rows": 4})}
