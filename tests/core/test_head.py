"""HEAD is answered wherever GET is (RFC 9110 §9.3.2): same status and headers, no body.
Link checkers, feed readers and caches ask HEAD first; a 405 looked like a missing file."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from plnet.publishing.models import Post
from plnet.reader.actions import create_token
from tests.publishing.test_editor import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(client, django_user_model, settings, tmp_path):
    settings.UPLOADS_ROOT = tmp_path / "uploads"
    user = django_user_model.objects.create_user("ana", "ana@example.org", "pw-ana-123!")
    user.user_permissions.add(Permission.objects.get(codename="add_post"))
    client.force_login(user)
    return user


def upload_png(client) -> tuple[str, int]:
    """Upload a PNG from the editor; return its /media/ URL (from the post's body) and size."""
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 20, 20)).save(out, format="PNG")
    upload = SimpleUploadedFile("red.png", out.getvalue(), content_type="image/png")
    assert client.post("/write/", form_data(image=upload, image_alt="Red")).status_code == 302
    return re.search(r'src="(/media/[^"]+)"', Post.objects.get().content_html)[1], out.tell()


def test_head_is_answered_like_get_everywhere_get_is(client, writer):
    media_url, size = upload_png(client)
    _, token = create_token(writer, "t")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    addresses = [
        (media_url, {}), ("/avatar/ana.svg", {}), ("/", {}), ("/feed/", {}),
        (Post.objects.get().get_absolute_url(), {}), ("/reader/", {}),
        ("/reader/opml/export/", {}), ("/api/v1/sources", bearer), ("/api/v1/entries", bearer),
    ]  # fmt: skip
    for url, headers in addresses:
        got, head = client.get(url, **headers), client.head(url, **headers)
        assert (url, head.status_code) == (url, 200)
        assert head["Content-Type"] == got["Content-Type"], url
        assert b"".join(head) == b"", url
    media = client.head(media_url)
    assert (media["Content-Type"], int(media["Content-Length"])) == ("image/png", size)
    refused = client.post("/api/v1/sources", **bearer)
    assert (refused.status_code, refused["Allow"]) == (405, "GET, HEAD")
