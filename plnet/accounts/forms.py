"""The profile form: what a person says about themselves in their h-card."""

from __future__ import annotations

from django import forms
from django.core.validators import URLValidator

from .models import User

MAX_LINKS = 20


class ProfileForm(forms.ModelForm):
    """Display name, bio (Markdown), avatar URL, website and other links (one URL per line)."""

    avatar_url = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        label="Avatar URL",
        help_text="Empty: a picture is drawn for you from your name.",
    )
    website = forms.URLField(required=False, max_length=500, assume_scheme="https")
    links = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text='Your other homes on the web, one address per line (shown with rel="me").',
    )

    class Meta:
        model = User
        fields = ["display_name", "bio", "avatar_url", "website", "links"]
        labels = {"bio": "Bio (Markdown)"}
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["links"] = "\n".join(self.instance.links or [])

    def clean_links(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        if len(lines) > MAX_LINKS:
            raise forms.ValidationError(f"At most {MAX_LINKS} links.")
        validate = URLValidator(schemes=["http", "https"])
        for line in lines:
            try:
                validate(line)
            except forms.ValidationError:
                raise forms.ValidationError(
                    f"“{line}” is not a web address (http or https)."
                ) from None
        return list(dict.fromkeys(lines))
