"""Images uploaded from the editor: checked by their content, stored under the data dir, and
served back with the right content type.

An upload is accepted only when Pillow reads it as JPEG, PNG, GIF or WebP (the name and the
browser's content type are not trusted: an SVG or HTML file is refused, whatever it is called)
and it is at most `settings.PLNET.upload_max_bytes` long. It is stored as
`settings.UPLOADS_ROOT / "YYYY/MM/<name>.<ext>"` (WordPress's layout, so an imported post's
`/wp-content/uploads/YYYY/MM/name` can be served when the same path was uploaded), gets an
`Attachment`, and the post's body gets the image appended (Markdown, or HTML for an imported
HTML body).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from PIL import Image, UnidentifiedImageError

from .models import Attachment, Post

# Pillow's format name -> (content type, file extension).
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}


class UploadError(ValueError):
    """The file cannot be accepted; the message says why, for the person uploading it."""


@dataclass(frozen=True)
class ImageInfo:
    """What Pillow found in an upload: its content type, extension, and size in pixels."""

    mime_type: str
    extension: str
    width: int
    height: int


def check_image(stream: BinaryIO, size: int) -> ImageInfo:
    """Read an upload (size in bytes) and say what image it is.

    Raises UploadError when it is too large (PLNET_UPLOAD_MAX_BYTES), is not an image Pillow
    recognises, is an image of another format (BMP, TIFF, ...), is damaged, or has so many pixels
    it would be a decompression bomb.
    """
    limit = settings.PLNET.upload_max_bytes
    if size > limit:
        raise UploadError(
            f"The file is {size:,} bytes; the largest accepted is {limit:,} bytes "
            "(PLNET_UPLOAD_MAX_BYTES)."
        )
    accepted = ", ".join(ext.upper() for _, ext in IMAGE_FORMATS.values())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            stream.seek(0)
            with Image.open(stream, formats=list(IMAGE_FORMATS)) as image:
                found, (width, height) = image.format, image.size
                image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise UploadError(f"This is not an image plnet accepts ({accepted}).") from None
    except (OSError, SyntaxError, ValueError):
        raise UploadError("The image is damaged and cannot be read.") from None
    finally:
        stream.seek(0)
    mime_type, extension = IMAGE_FORMATS[found]
    return ImageInfo(mime_type, extension, width, height)


def _free_path(name: str, extension: str) -> tuple[str, Path]:
    """A relative path "YYYY/MM/name.ext" not yet taken (name-2, name-3 ... as WordPress does),
    and its file, created empty so that a concurrent upload cannot take it too."""
    now = timezone.localtime()
    folder = f"{now.year:04d}/{now.month:02d}"
    directory = Path(settings.UPLOADS_ROOT) / folder
    directory.mkdir(parents=True, exist_ok=True)
    stem = slugify(Path(name).stem)[:80] or "image"
    for n in range(1, 10_000):
        candidate = f"{stem}.{extension}" if n == 1 else f"{stem}-{n}.{extension}"
        try:
            (directory / candidate).open("xb").close()
        except FileExistsError:
            continue
        return f"{folder}/{candidate}", directory / candidate
    raise UploadError("Too many files of that name this month; rename the file.")


def store_image(upload, info: ImageInfo) -> Attachment:
    """Write a checked upload (a Django UploadedFile) under UPLOADS_ROOT and return its
    Attachment, saved without a post (`attach_to` links it once the post is saved)."""
    relative, target = _free_path(upload.name or "", info.extension)
    try:
        with target.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        return Attachment.objects.create(
            title=Path(upload.name or "").stem[:500],
            mime_type=info.mime_type,
            file_path=relative,
            size=target.stat().st_size,
        )
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def insert_image(post: Post, attachment: Attachment, alt: str) -> None:
    """Append the image to the post's body (not saved): Markdown, or an <img> for HTML bodies."""
    url = attachment.file_url
    if post.body_format == Post.BodyFormat.HTML:
        snippet = f'<p><img src="{escape(url)}" alt="{escape(alt)}"></p>'
    else:
        text = alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
        snippet = f"![{text}]({url})"
    body = post.body.rstrip()
    post.body = f"{body}\n\n{snippet}\n" if body else f"{snippet}\n"


def attach_to(attachment: Attachment, post: Post) -> None:
    """Link a stored upload to the post it was added to."""
    attachment.post = post
    attachment.save(update_fields=["post"])


def uploaded_file(path: str) -> tuple[Path, Attachment] | None:
    """The stored file and Attachment of an upload at "YYYY/MM/name", None when no upload has
    that path (or its file is gone)."""
    if "\x00" in path:
        return None
    found = Attachment.objects.filter(file_path=path).exclude(file_path="").first()
    if found is None:
        return None
    root = Path(settings.UPLOADS_ROOT).resolve()
    file = (root / found.file_path).resolve()
    if not file.is_relative_to(root) or not file.is_file():
        return None
    return file, found
