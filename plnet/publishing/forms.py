"""Forms of the editor: what an author writes, checked before any service is called."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from plnet.core.ids import IdMultipleChoiceField

from . import services, uploads, wordpress
from .models import Category, Post


def _names_from_root(category: Category, by_id: dict[int, Category]) -> list[str]:
    """The names from the root category down to this one (cycle-safe, no query)."""
    names, node, seen = [], category, set()
    while node is not None and node.pk not in seen:
        names.append(node.name)
        seen.add(node.pk)
        node = by_id.get(node.parent_id)
    return names[::-1]


class _CategoriesByPath(forms.models.ModelChoiceIterator):
    """Offers the categories in the order of their full path ("Learning › MOOCs" after
    "Learning", before "Music"), case-insensitively, as one would read an outline."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        categories = list(self.queryset)
        by_id = {c.pk: c for c in categories}
        paths = {c.pk: _names_from_root(c, by_id) for c in categories}
        self.field.paths = paths
        for category in sorted(
            categories, key=lambda c: ([n.casefold() for n in paths[c.pk]], c.pk)
        ):
            yield self.choice(category)


class CategoryChoice(IdMultipleChoiceField):
    """Categories shown with their place in the tree ("Learning › MOOCs"), sorted by it."""

    iterator = _CategoriesByPath
    paths: dict[int, list[str]] = {}

    def label_from_instance(self, obj: Category) -> str:
        names = self.paths.get(obj.pk) or [c.name for c in obj.ancestors] + [obj.name]
        return " › ".join(names)


# Publish dates outside these years are typing slips; the far end also breaks date arithmetic
# (a permalink's "next day" past 9999-12-31).
EARLIEST_YEAR, LATEST_YEAR = 1000, 2999


class PostForm(forms.ModelForm):
    """A post as the author writes it. Dates are typed in the site's time zone (stored in UTC)."""

    published_at = forms.DateTimeField(
        required=False,
        label="Publish date and time",
        help_text="In the site's time zone. Empty: now, when you publish. "
        "A future time schedules the post.",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    categories = CategoryChoice(
        queryset=Category.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    image = forms.FileField(
        required=False,
        label="Add an image",
        help_text="JPEG, PNG, GIF or WebP. Uploaded when you save (a draft or with the status "
        "below) and added at the end of the body.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
        ),
    )
    image_alt = forms.CharField(
        required=False,
        max_length=500,
        label="Image description (alt text)",
        help_text="What the image shows, for people who cannot see it.",
    )

    field_order = ["title", "slug", "body", "image", "image_alt"]

    class Meta:
        model = Post
        fields = [
            "title", "slug", "body", "excerpt", "categories", "tags", "status",
            "published_at", "comment_status", "sticky",
        ]  # fmt: skip
        labels = {"body": "Body (Markdown)", "sticky": "Stick to the top of the home page"}
        help_texts = {
            "slug": "The last part of the address. Empty: made from the title.",
            "tags": "Separated by commas.",
            "excerpt": "Optional summary shown in listings and feeds.",
        }
        widgets = {
            "body": forms.Textarea(attrs={"rows": 20}),
            "excerpt": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_published_at(self):
        """Keep the stored time when the author left the minute-precision field unchanged
        (re-saving must not move an imported post's seconds, or its place among ties)."""
        value = self.cleaned_data.get("published_at")
        if value and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise forms.ValidationError(
                f"Choose a date between the years {EARLIEST_YEAR} and {LATEST_YEAR}."
            )
        stored = self.instance.published_at
        if value and stored and value == stored.replace(second=0, microsecond=0):
            return stored
        return value

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The trash has its own buttons ("Move to trash", "Restore"), never this menu.
        self.fields["status"].choices = [
            c for c in self.fields["status"].choices if c[0] != Post.Status.TRASH
        ]
        if self.instance.date_floating:  # an imported draft whose date was never set
            self.initial["published_at"] = None
            self.fields["published_at"].help_text = (
                "Not set yet (the date in the WordPress export was only a placeholder). "
                + self.fields["published_at"].help_text
            )
        # The body is edited in the post's own format: imported posts keep their HTML.
        if self.instance.body_format == Post.BodyFormat.HTML:
            self.fields["body"].label = "Body (HTML)"
            self.fields["body"].help_text = "Imported from WordPress: HTML, sanitised when shown."

    def clean_slug(self):
        """A slug the author typed that another post already has is refused, naming the post
        (and saying so when it is in the Trash) and a free slug (`services.slug_problem`; the
        service would otherwise quietly add -2, -3…). Empty: made from the title."""
        slug = self.cleaned_data.get("slug") or ""
        if not slug or slug == self.instance.slug:
            return slug
        problem = services.slug_problem(
            slug, post_type=self.instance.post_type, exclude_pk=self.instance.pk
        )
        if problem:
            raise forms.ValidationError(problem)
        return slug

    def clean_image(self):
        """Accept only real JPEG, PNG, GIF or WebP images under the size cap (by content)."""
        upload = self.cleaned_data.get("image")
        if upload:
            try:
                self.image_info = uploads.check_image(upload, upload.size)
            except uploads.UploadError as exc:
                raise forms.ValidationError(str(exc)) from None
        return upload

    def clean(self):
        data = super().clean()
        if not (data.get("title") or "").strip() and not (data.get("body") or "").strip():
            raise forms.ValidationError("Write a title or some text first.")
        if data.get("status") == Post.Status.SCHEDULED and not data.get("published_at"):
            self.add_error("published_at", "A scheduled post needs a date and time.")
        return data


class _PagesAsTree(forms.models.ModelChoiceIterator):
    """Offers the pages in the order of the list of pages, each indented under its parent
    ("— " per level), leaving out the page being edited and the pages under it."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        hidden = self.field.hidden_ids
        for page, depth in services.page_tree(self.queryset):
            if page.pk not in hidden:
                yield (self.field.prepare_value(page), "— " * depth + str(page))


class ParentPageChoice(forms.ModelChoiceField):
    """The parent of a page: any page not in the trash. The menu hides the page itself and its
    descendants; a form posted with one of them anyway is refused by `PageForm.clean_parent`."""

    iterator = _PagesAsTree
    hidden_ids: set[int] = set()


class PageForm(PostForm):
    """A page as the author writes it: as a post, without categories, tags, excerpt or sticky,
    with its place among the pages (parent, order) and an optional password."""

    categories = None
    parent = ParentPageChoice(
        queryset=Post.objects.none(),  # set per form: see __init__
        required=False,
        empty_label="(no parent: a top-level page)",
        label="Parent page",
        help_text="The page this one sits under; its address starts with the parent's.",
    )

    field_order = ["title", "slug", "body", "image", "image_alt", "parent", "menu_order"]

    class Meta(PostForm.Meta):
        fields = [
            "title", "slug", "body", "parent", "menu_order", "status", "published_at",
            "password", "comment_status",
        ]  # fmt: skip
        labels = {"body": "Body (Markdown)", "menu_order": "Order"}
        help_texts = {
            "slug": "The last part of the address. Empty: made from the title.",
            "menu_order": "Pages are listed by this number (smallest first), then by title.",
            "password": "Optional: readers must give it to see the page's content.",
        }
        widgets = {
            "body": forms.Textarea(attrs={"rows": 20}),
            "password": forms.TextInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        page = self.instance
        hidden = ({page.pk} | services.page_descendant_ids(page)) if page.pk else set()
        self.fields["parent"].hidden_ids = hidden
        # pages not in the trash, and the parent it has even if trashed (not moved unasked)
        pages = Post.objects.pages()
        offered = pages.not_trashed() | pages.filter(pk=page.parent_id)
        self.fields["parent"].queryset = offered.only("title", "post_type", "parent", "menu_order")
        if page.pk is None:  # WordPress opens comments on posts, not on pages
            self.initial["comment_status"] = Post.CommentStatus.CLOSED

    def clean_slug(self):
        """Checked with the parent in `clean` (a top-level page may not take one of the site's
        own addresses)."""
        return self.cleaned_data.get("slug") or ""

    def clean_parent(self):
        """Refuse a parent that would make a cycle: the page itself or a page under it."""
        parent = self.cleaned_data.get("parent")
        page = self.instance
        if parent is None or page.pk is None:
            return parent
        if parent.pk == page.pk:
            raise forms.ValidationError("A page cannot be its own parent.")
        if parent.pk in services.page_descendant_ids(page):
            raise forms.ValidationError(
                f"“{parent}” is under this page: a page cannot be placed under one of its own"
                " subpages. Choose another parent, or move that page first."
            )
        return parent

    def clean(self):
        data = super().clean()
        slug, parent = data.get("slug"), data.get("parent")
        moved = self.instance.pk is None or (parent and parent.pk) != self.instance.parent_id
        if slug and "parent" not in self.errors and (slug != self.instance.slug or moved):
            problem = services.slug_problem(
                slug,
                post_type=Post.PostType.PAGE,
                exclude_pk=self.instance.pk,
                top_level=parent is None,
            )
            if problem:
                self.add_error("slug", problem)
        return data


class PostAdminForm(forms.ModelForm):
    """The admin's post form: a slug another post or page holds is refused with a message,
    rather than silently changed to "-2" when saved."""

    class Meta:
        model = Post
        fields = ["post_type", "slug", "parent"]  # the admin adds its fieldsets' fields

    def clean(self):
        data = super().clean()
        self._check_trash(data.get("status"))
        slug, post_type = data.get("slug"), data.get("post_type")
        if slug and post_type:
            problem = services.slug_problem(
                slug,
                post_type=post_type,
                exclude_pk=self.instance.pk,
                top_level=data.get("parent") is None,
            )
            if problem:
                self.add_error("slug", problem)
        return data

    def _check_trash(self, status: str | None) -> None:
        """The status menu neither moves a post into the trash nor out of it: the list's
        actions do (so the status it had is kept, and its address answers 410 meanwhile)."""
        was = self.instance.status if self.instance.pk else None
        trash = Post.Status.TRASH
        if status == trash and was != trash:
            self.add_error("status", "Use the “Move to trash” action of the list of posts.")
        elif was == trash and status and status != trash:
            self.add_error("status", "This post is in the trash: use the “Restore” action.")


class WxrUploadForm(forms.Form):
    """The import page's first step: the WXR file (streamed to disk by
    `imports.WxrUploadHandler` before this form sees it)."""

    file = forms.FileField(
        label="WordPress export file (.xml)",
        help_text="In WordPress: Tools → Export → All content → Download Export File.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(".xml"):
            raise forms.ValidationError("Choose the .xml file WordPress exported (Tools → Export).")
        return upload


class ImportOptionsForm(forms.Form):
    """The second step, once the file is stored: the options of `plnet import-wordpress` — for
    each author login the file declares, a new account or an existing user (`author_<n>`), the
    author of items that name none, further LOGIN=USERNAME lines, and the dry run."""

    author_default = forms.ModelChoiceField(
        queryset=None,
        required=False,
        to_field_name="username",
        label="Author of items that name none",
        empty_label="(nobody)",
    )
    author_map = forms.CharField(
        required=False,
        label="Other authors to give to an existing user",
        help_text="For logins the file does not declare (older exports name authors only on "
        "their items; a declared login has its own choice above): one LOGIN=USERNAME a line, "
        "e.g. mythz=ana.",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )
    dry_run = forms.BooleanField(
        required=False,
        label="Dry run: read and check everything, import nothing",
        help_text="A dry run checks by importing and then undoing it all, so while it runs it "
        "holds the database as an import does: on SQLite the site cannot save anything "
        "(comments, posts, sign-ins) until it ends.",
    )

    def __init__(self, *args, logins=(), **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["author_default"].queryset = users
        names = list(users.values_list("username", flat=True))
        self.logins = list(logins)
        for n, login in enumerate(self.logins):
            self.fields[f"author_{n}"] = forms.ChoiceField(
                label=f"Posts and pages by {login}",
                required=False,
                choices=[("", wordpress.account_choice_label(login)), *((u, u) for u in names)],
            )

    def login_fields(self):
        return [self[f"author_{n}"] for n in range(len(self.logins))]

    def clean_author_map(self) -> dict[str, str]:
        """The LOGIN=USERNAME lines. A login given twice, or one the file declares (it has
        its own choice, which would otherwise be silently overridden), is refused; logins
        compare as the import looks them up (`wp_login_key`)."""
        declared = {wordpress.wp_login_key(login) for login in self.logins}
        found: dict[str, str] = {}
        seen: set[str] = set()
        for number, line in enumerate(self.cleaned_data["author_map"].splitlines(), 1):
            if not line.strip():
                continue
            login, equals, username = (part.strip() for part in line.partition("="))
            if not (equals and login and username):
                raise forms.ValidationError(
                    f"Line {number}: write LOGIN=USERNAME, e.g. mythz=ana (not {line.strip()!r})."
                )
            if not get_user_model().objects.filter(username=username).exists():
                raise forms.ValidationError(f"Line {number}: there is no user named {username!r}.")
            key = wordpress.wp_login_key(login)
            if key in declared:
                raise forms.ValidationError(
                    f"Line {number}: the file declares {login!r}: choose its account above."
                )
            if key in seen:
                raise forms.ValidationError(f"Line {number}: {login!r} is given twice.")
            seen.add(key)
            found[login] = username
        return found

    def chosen_map(self) -> dict[str, str]:
        """The logins given to existing users: the lines typed, then the choices per login."""
        chosen = dict(self.cleaned_data["author_map"])
        for n, login in enumerate(self.logins):
            if self.cleaned_data.get(f"author_{n}"):
                chosen[login] = self.cleaned_data[f"author_{n}"]
        return chosen
