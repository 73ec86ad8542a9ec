"""Images uploaded from the editor: checked by content (Pillow), capped in size, stored under
uploads/YYYY/MM/, added to the post's body, and served at /media/ with their content type."""

from __future__ import annotations

import dataclasses
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from plnet.publishing.models import Attachment, Post
from tests.publishing.test_editor import form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]


@pytest.fixture
def uploads_root(settings, tmp_path):
    settings.UPLOADS_ROOT = tmp_path / "uploads"
    return settings.UPLOADS_ROOT


@pytest.fixture
def writer(client, author, uploads_root):
    client.force_login(author)
    return client


def image_bytes(kind: str, size=(4, 3)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 20, 20)).save(out, format=kind)
    return out.getvalue()


def month_folder() -> str:
    now = timezone.localtime()
    return f"{now.year:04d}/{now.month:02d}"


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


def test_an_uploaded_png_is_stored_added_to_the_body_and_served(writer, uploads_root):
    data = image_bytes("PNG")
    upload = SimpleUploadedFile("Red Square.PNG", data, content_type="image/png")
    response = writer.post(
        "/write/", form_data(body="Look:", image=upload, image_alt="A red [square]")
    )
    assert response.status_code == 302
    post = Post.objects.get()
    url = f"/media/{month_folder()}/red-square.png"
    assert post.body == f"Look:\n\n![A red \\[square\\]]({url})\n"
    assert f'<img src="{url}" alt="A red [square]">' in post.content_html
    assert (uploads_root / month_folder() / "red-square.png").read_bytes() == data
    attachment = Attachment.objects.get()
    assert (attachment.post, attachment.mime_type, attachment.size) == (
        post,
        "image/png",
        len(data),
    )
    assert attachment.file_path == f"{month_folder()}/red-square.png"

    served = writer.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert streamed(served) == data
    page = writer.get(post.get_absolute_url()).content.decode()
    assert f'<img src="{url}"' in page


@pytest.mark.parametrize(
    ("kind", "mime", "ext"),
    [("JPEG", "image/jpeg", "jpg"), ("GIF", "image/gif", "gif"), ("WEBP", "image/webp", "webp")],
)
def test_jpeg_gif_and_webp_are_accepted_by_content_whatever_their_name(writer, kind, mime, ext):
    data = image_bytes(kind)
    upload = SimpleUploadedFile("photo.txt", data, content_type="text/plain")
    assert writer.post("/write/", form_data(image=upload)).status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.mime_type == mime
    assert attachment.file_path == f"{month_folder()}/photo.{ext}"
    served = writer.get(f"/media/{attachment.file_path}")
    assert served["Content-Type"] == mime and streamed(served) == data


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.mark.parametrize(
    ("name", "data"),
    [("logo.svg", SVG), ("disguised.png", SVG), ("page.gif", HTML), ("bitmap.png", None)],
)
def test_svg_html_and_other_formats_are_refused_and_nothing_is_kept(
    writer, uploads_root, name, data
):
    data = data if data is not None else image_bytes("BMP")
    upload = SimpleUploadedFile(name, data, content_type="image/png")
    response = writer.post("/write/", form_data(image=upload))
    assert response.status_code == 200
    assert "This is not an image plnet accepts (JPG, PNG, GIF, WEBP)." in response.content.decode()
    assert not Post.objects.exists() and not Attachment.objects.exists()
    assert not uploads_root.exists() or not any(uploads_root.rglob("*.*"))


def test_an_image_over_the_size_cap_is_refused(writer, settings):
    data = image_bytes("PNG", size=(64, 64))
    settings.PLNET = dataclasses.replace(settings.PLNET, upload_max_bytes=len(data) - 1)
    upload = SimpleUploadedFile("big.png", data, content_type="image/png")
    response = writer.post("/write/", form_data(image=upload))
    assert response.status_code == 200
    message = f"The file is {len(data):,} bytes; the largest accepted is {len(data) - 1:,} bytes"
    assert message in response.content.decode()
    assert not Attachment.objects.exists()


def test_the_same_name_twice_gets_a_new_file_name(writer):
    for _ in range(2):
        upload = SimpleUploadedFile("cat.gif", image_bytes("GIF"), content_type="image/gif")
        assert writer.post("/write/", form_data(image=upload)).status_code == 302
    paths = sorted(Attachment.objects.values_list("file_path", flat=True))
    assert paths == [f"{month_folder()}/cat-2.gif", f"{month_folder()}/cat.gif"]


def test_an_imported_html_body_gets_an_img_tag(writer, author):
    post = Post.objects.create(
        title="Old", body="<p>Imported</p>", body_format=Post.BodyFormat.HTML, author=author
    )
    upload = SimpleUploadedFile("a.png", image_bytes("PNG"), content_type="image/png")
    data = form_data(title="Old", body="<p>Imported</p>", image=upload, image_alt='Say "hi"')
    assert writer.post(f"/write/{post.pk}/", data).status_code == 302
    post.refresh_from_db()
    url = f"/media/{month_folder()}/a.png"
    assert post.body == f'<p>Imported</p>\n\n<p><img src="{url}" alt="Say &quot;hi&quot;"></p>\n'
    assert post.body_format == Post.BodyFormat.HTML


def test_only_known_uploads_are_served(writer, uploads_root, client):
    upload = SimpleUploadedFile("x.png", image_bytes("PNG"), content_type="image/png")
    writer.post("/write/", form_data(image=upload))
    (uploads_root / "stray.html").write_bytes(HTML)
    assert client.get("/media/stray.html").status_code == 404
    assert client.get("/media/../uploads/stray.html").status_code == 404
    assert client.get(f"/media/{month_folder()}/missing.png").status_code == 404


def test_wp_content_uploads_serves_a_file_uploaded_under_the_same_path(writer, client):
    upload = SimpleUploadedFile("diagram.png", image_bytes("PNG"), content_type="image/png")
    writer.post("/write/", form_data(image=upload))
    served = client.get(f"/wp-content/uploads/{month_folder()}/diagram.png")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert client.get("/wp-content/uploads/2009/01/never-uploaded.png").status_code == 404
