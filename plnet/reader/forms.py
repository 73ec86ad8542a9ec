"""Forms of the reader. Choices of people and folders are always limited to the member's own."""

from __future__ import annotations

from django import forms

from plnet.reader.models import Folder, Person, Subscription

MAX_OPML_BYTES = 5_000_000


class _MemberForm(forms.ModelForm):
    """A ModelForm whose person/folder choices are the member's own."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if "person" in self.fields:
            self.fields["person"].queryset = Person.objects.filter(user=user)
        if "folder" in self.fields:
            self.fields["folder"].queryset = Folder.objects.filter(user=user)


class SubscribeForm(forms.Form):
    url = forms.URLField(
        label="Feed or site address", max_length=2000, assume_scheme="https",
        help_text="A feed URL, or a site's URL: plnet finds its feed.",
    )  # fmt: skip
    person = forms.CharField(label="Person (optional)", max_length=200, required=False)
    folder = forms.CharField(label="Folder (optional)", max_length=200, required=False)


class SubscriptionForm(_MemberForm):
    class Meta:
        model = Subscription
        fields = ["title", "person", "folder"]
        labels = {"title": "Your title for it (optional)"}


def _unique_name(form) -> str:
    name = form.cleaned_data["name"].strip()
    model = form._meta.model
    clash = model.objects.filter(user=form.instance.user, name=name).exclude(pk=form.instance.pk)
    if clash.exists():
        raise forms.ValidationError(f"You already have one called {name!r}.")
    return name


class PersonForm(_MemberForm):
    url = forms.URLField(label="Their site", max_length=1000, required=False, assume_scheme="https")
    clean_name = _unique_name

    class Meta:
        model = Person
        fields = ["name", "url", "note", "folder"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}


class FolderForm(forms.ModelForm):
    clean_name = _unique_name

    class Meta:
        model = Folder
        fields = ["name"]


class ShareForm(forms.Form):
    """The note of a share; `again` (shown only when the entry was shared before) confirms a
    second share. The submit button's name says publish now or save as draft."""

    note = forms.CharField(
        label="Your note (Markdown)", required=False, max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip
    again = forms.BooleanField(label="Share it again anyway", required=False)

    def __init__(self, *args, shared_before: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not shared_before:
            del self.fields["again"]


class OpmlUploadForm(forms.Form):
    file = forms.FileField(label="OPML file")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_OPML_BYTES:
            raise forms.ValidationError("This file is larger than 5 MB.")
        return upload


class TokenForm(forms.Form):
    name = forms.CharField(label="What is this token for?", max_length=200, required=False)
