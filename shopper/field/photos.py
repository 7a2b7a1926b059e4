"""Photos of receipts and shelves: verified, re-encoded without metadata, stored once.

An upload is accepted only when Pillow opens it as a JPEG, PNG or WebP image within a
pixel limit. It is re-encoded from its pixels, so nothing of the original file but the
picture survives: no EXIF, no GPS position leaking into reports, no trailing payload.
Files get generated names under UPLOAD_DIR (outside `static/`) and are served only
through a permission-checked view.
"""

from __future__ import annotations

import hashlib
import io
import uuid as uuid_module
import warnings
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..exceptions import Conflict, InvalidInput, NotFound, TooLarge
from ..models import Photo, User

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"),
           "WEBP": ("image/webp", "webp")}
#: The longest edge kept on the server; phones send 1600 px already.
MAX_EDGE = 2400


def store_photo(*, session: Session, user: User, photo_uuid: uuid_module.UUID,
                visit_uuid: uuid_module.UUID, data: bytes, upload_dir: str,
                max_bytes: int, max_pixels: int,
                on_rollback: Callable[[Callable[[], None]], None]) -> tuple[Photo, bool]:
    """Store one photo; returns it and whether it is new.

    The same `photo_uuid` with the same bytes is a retry (`False`); with other bytes,
    or for another visit, a Conflict. Raises TooLarge, InvalidInput("file", ...).
    `on_rollback` receives a clean-up that removes the written file should the
    transaction not commit.
    """
    if len(data) > max_bytes:
        raise TooLarge()
    digest = hashlib.sha256(data).hexdigest()
    existing = session.exec(select(Photo).where(Photo.uuid == photo_uuid)).first()
    if existing is not None:
        return _replay(existing, user, digest, visit_uuid), False

    picture, kind = _verified_image(data, max_pixels)
    content_type, extension = FORMATS[kind]
    encoded, width, height = _reencode(picture, kind)
    directory = Path(upload_dir)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{uuid_module.uuid4().hex}.{extension}"
    path = directory / name
    path.write_bytes(encoded)
    on_rollback(lambda: path.unlink(missing_ok=True))

    photo = Photo(uuid=photo_uuid, visit_uuid=visit_uuid, owner_id=user.id, sha256=digest,
                  size=len(encoded), width=width, height=height,
                  content_type=content_type, path=name)
    try:
        with session.begin_nested():  # added inside: begin_nested() flushes first
            session.add(photo)
            session.flush()
    except IntegrityError:  # the same uuid arrived twice at once: the first one won
        path.unlink(missing_ok=True)
        session.expunge(photo)
        raced = session.exec(select(Photo).where(Photo.uuid == photo_uuid)).one()
        return _replay(raced, user, digest, visit_uuid), False
    return photo, True


def _replay(photo: Photo, user: User, digest: str, visit_uuid: uuid_module.UUID) -> Photo:
    if photo.owner_id != user.id:
        raise NotFound(f"photo {photo.uuid}")
    if photo.sha256 != digest or photo.visit_uuid != visit_uuid:
        raise Conflict("a photo with this uuid was already sent with other bytes")
    return photo


def _verified_image(data: bytes, max_pixels: int) -> tuple[Image.Image, str]:
    invalid = InvalidInput("file", "not a JPEG, PNG or WebP image")
    with warnings.catch_warnings():
        # A decompression bomb must be refused, not merely warned about.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                if kind not in FORMATS:
                    raise invalid
                if probe.width * probe.height > max_pixels:
                    raise InvalidInput("file", "the image has too many pixels")
                probe.verify()
            picture = Image.open(io.BytesIO(data))
            picture.load()
        except InvalidInput:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise InvalidInput("file", "the image has too many pixels") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise invalid from None
    return picture, kind


def _reencode(picture: Image.Image, kind: str) -> tuple[bytes, int, int]:
    """The picture's pixels only, upright and at most MAX_EDGE on its longest side."""
    picture = ImageOps.exif_transpose(picture)
    if max(picture.size) > MAX_EDGE:
        picture.thumbnail((MAX_EDGE, MAX_EDGE))
    output = io.BytesIO()
    if kind == "JPEG":
        picture.convert("RGB").save(output, "JPEG", quality=88, optimize=True)
    elif kind == "PNG":
        mode = "RGBA" if picture.mode in ("RGBA", "LA", "P") else "RGB"
        picture.convert(mode).save(output, "PNG", optimize=True)
    else:
        picture.save(output, "WEBP", quality=85)
    return output.getvalue(), picture.width, picture.height


def photo_file(photo: Photo, upload_dir: str) -> Path:
    return Path(upload_dir) / photo.path
