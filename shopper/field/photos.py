"""Photos of receipts and shelves: verified, re-encoded without metadata, stored once.

Only a shopper uploads, and only for a visit of theirs or one the server does not know
yet: a phone sends a visit's photos before the visit itself. An upload is accepted only
when Pillow opens it as a JPEG (multi-picture JPEGs included), PNG or WebP image within
a pixel limit, when its header shows that decoding and shrinking it fit the memory
budget, and when it has no more segments, chunks or scans than a photo (each one costs
time). It is re-encoded from its pixels, so nothing of the original file but the
picture survives: no EXIF, no GPS position leaking into reports, no trailing payload.
Files get generated names under UPLOAD_DIR (outside `static/`) and are served only
through a permission-checked view.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import uuid as uuid_module
import warnings
from collections.abc import Callable
from pathlib import Path

from PIL import ExifTags, Image, PngImagePlugin, UnidentifiedImageError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..exceptions import Conflict, InvalidInput, NotFound, TooLarge
from ..models import Photo, User, Visit

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"),
           "WEBP": ("image/webp", "webp")}
#: Pillow's name for multi-picture JPEGs, which many phones write (a second picture:
#: a preview, a depth map): the first picture is the photo, stored as a JPEG.
SAME_AS = {"MPO": "JPEG"}
#: The longest edge kept on the server; phones send 1600 px already.
MAX_EDGE = 2400
#: Bytes of pixels and metadata that decoding and shrinking one photo may hold at once:
#: with the upload's own bytes (at most PHOTO_MAX_BYTES) and the request around them, a
#: worker grows by at most 150 MB (bench/uploads.py, docs/PERFORMANCE.md). JPEGs are
#: decoded at a reduced scale: every 4:3, 3:2 or 16:9 one within the pixel limit fits.
#: A PNG or WebP costs its full size: past about 17 Mpx (an RGB PNG, 4:3), 9 Mpx (RGBA)
#: or 7 Mpx (WebP) it is refused as having too many pixels.
DECODE_BUDGET = 125_000_000
#: The most rows a picture may have, whatever its width: PNG decodes row by row, at about
#: 0.1 µs a row however narrow, so a PNG 1 px wide and 39 million tall (75 kB, under
#: the pixel limit) took 3 s. No photo is taller than a JPEG can be.
MAX_ROWS = 65_535
#: The most segments (stray bytes included) a JPEG's picture may have, and the most
#: chunks a PNG may have: Pillow reads them one by one in Python, and a 10 MB file of
#: empty ones took 2.5 to 6 s. A phone's photo has a few dozen; a 10 MB ICC
#: profile in 64 kB pieces, 160; a 10 MB PNG in libpng's 8 kB IDAT chunks, 1,300.
MAX_JPEG_SEGMENTS = 1_000
MAX_PNG_CHUNKS = 20_000
#: The most scans a JPEG's picture may have: libjpeg decodes each over the whole
#: picture, and a 74 kB 12 Mpx progressive JPEG with its last scan 100 times took 2.2 s
#: (10 MB would take hours). Encoders write 1 (baseline) to 18 (progressive CMYK).
MAX_JPEG_SCANS = 32
#: Where the entropy-coded data of a scan ends: 0xFF, then anything but an escaped zero,
#: a restart marker or more 0xFF.
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
#: EXIF orientation -> the turn that shows the picture upright.
UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
           4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
           6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_90}
#: The most bytes of EXIF read for the orientation: what a JPEG's APP1 segment holds
#: (a PNG's eXIf chunk or a WebP's EXIF chunk may hold megabytes).
MAX_EXIF_BYTES = 65_535
#: Bytes Pillow keeps per pixel, by mode; every other mode takes 4.
PIXEL_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}


def store_photo(*, session: Session, user: User, photo_uuid: uuid_module.UUID,
                visit_uuid: uuid_module.UUID, data: bytes, upload_dir: str,
                max_bytes: int, max_pixels: int,
                on_rollback: Callable[[Callable[[], None]], None]) -> tuple[Photo, bool]:
    """Store one photo; returns it and whether it is new.

    Raises NotFound, before anything is written, unless `user` is a shopper and
    `visit_uuid` is a visit of theirs or not stored yet. The same `photo_uuid` with the
    same bytes is a retry (`False`), also when it raced with its twin; with other bytes,
    or for another visit, a Conflict. Raises TooLarge, InvalidInput("file", ...) (code
    "too_many_pixels" past `max_pixels` or the memory budget). `on_rollback` receives a
    clean-up that removes the written file should the transaction not commit.
    """
    if user.role != "shopper":
        raise NotFound(f"visit {visit_uuid}")
    if len(data) > max_bytes:
        raise TooLarge()
    digest = hashlib.sha256(data).hexdigest()
    # The picture is verified and re-encoded before the first query: on SQLite a
    # request's write transaction holds the database's lock from its first query, and
    # decoding a photo takes up to a second.
    picture, kind = _verified_image(data, max_pixels)
    content_type, extension = FORMATS[kind]
    encoded, width, height = _reencode(picture, kind)

    _check_uploader(session, user, visit_uuid)
    existing = session.exec(select(Photo).where(Photo.uuid == photo_uuid)).first()
    if existing is not None:
        return _replay(existing, user, digest, visit_uuid), False
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
        # Rolling the savepoint back has already expunged the pending photo (as with
        # visits in submissions.py); expunging it again would raise.
        if photo in session:
            session.expunge(photo)
        raced = session.exec(select(Photo).where(Photo.uuid == photo_uuid)).first()
        if raced is None:
            raise
        return _replay(raced, user, digest, visit_uuid), False
    return photo, True


def _check_uploader(session: Session, user: User, visit_uuid: uuid_module.UUID) -> None:
    """Photos come from shoppers, for their own visits or visits still on the phone."""
    shopper_id = session.exec(select(Visit.shopper_id).where(Visit.uuid == visit_uuid)).first()
    if shopper_id is not None and shopper_id != user.id:
        raise NotFound(f"visit {visit_uuid}")


def _replay(photo: Photo, user: User, digest: str, visit_uuid: uuid_module.UUID) -> Photo:
    if photo.owner_id != user.id:
        raise NotFound(f"photo {photo.uuid}")
    if photo.sha256 != digest or photo.visit_uuid != visit_uuid:
        raise Conflict("a photo with this uuid was already sent with other bytes")
    return photo


def _verified_image(data: bytes, max_pixels: int) -> tuple[Image.Image, str]:
    """The picture, loaded once its header showed it within `max_pixels` and the budget;
    a JPEG decoded at the smallest scale that still covers MAX_EDGE."""
    invalid = InvalidInput("file", "not a JPEG, PNG or WebP image", code="photo_unreadable")
    too_many = InvalidInput("file", "the image has too many pixels", code="too_many_pixels")
    with warnings.catch_warnings():
        # A decompression bomb must be refused, not merely warned about; Pillow's notes
        # on metadata it skips (corrupt EXIF, a malformed MPO) are of no interest.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            _count_parts(data)
            # Pillow's JPEG opener also opens multi-picture JPEGs (format "MPO").
            picture = Image.open(io.BytesIO(data), formats=list(FORMATS))
            kind = SAME_AS.get(picture.format, picture.format)
            if kind not in FORMATS:
                raise invalid
            if picture.width * picture.height > max_pixels or picture.height > MAX_ROWS:
                raise too_many
            full_size = picture.size
            if kind == "JPEG":
                picture.draft(None, _fitted(full_size))
            if _peak_bytes(picture, kind, full_size, data) > DECODE_BUDGET:
                raise too_many
            picture.load()
        except InvalidInput:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise too_many from None
        except (UnidentifiedImageError, OSError, EOFError, SyntaxError, ValueError):
            raise invalid from None
    return picture, kind


def _reencode(picture: Image.Image, kind: str) -> tuple[bytes, int, int]:
    """The picture's pixels only, upright and at most MAX_EDGE on its longest side.

    Shrunk first and in place, so that turning and converting work on the small picture
    and no full-size copy is ever made (`_peak_bytes` counts what shrinking takes).
    """
    picture.thumbnail((MAX_EDGE, MAX_EDGE))
    picture = _upright(picture)
    # Pillow's savers copy some metadata from `info` when not told otherwise (a JPEG's
    # comment, a PNG's ICC profile): keep only what belongs to the pixels.
    picture.info = {key: value for key, value in picture.info.items() if key == "transparency"}
    output = io.BytesIO()
    if kind == "JPEG":
        # No optimize=True: its second pass over the Huffman tables took 8.5 of 22 ms for
        # a phone's 1600 x 1200 photo (bench/load.py's), for a file 5% smaller.
        _in_mode(picture, "RGB").save(output, "JPEG", quality=88)
    elif kind == "PNG":
        if picture.mode.startswith("I;16"):
            # convert() would clip 16-bit tones (0-65535) to white; scale them to 8 bits.
            picture = picture.point(lambda value: value / 256).convert("L")
        mode = "RGBA" if picture.mode in ("RGBA", "LA", "P") else "RGB"
        # zlib level 3: level 9 (optimize) took 3 s on a photo-like 2400 x 1800 picture,
        # for a file 17% smaller.
        _in_mode(picture, mode).save(output, "PNG", compress_level=3)
    else:
        picture.save(output, "WEBP", quality=85)
    return output.getvalue(), picture.width, picture.height


def _upright(picture: Image.Image) -> Image.Image:
    """The picture turned as its EXIF orientation says. Not ImageOps.exif_transpose, which
    also writes the EXIF back, tag by tag in Python (3.5 s for the 65,535 tags a PNG's
    eXIf chunk may hold), for nothing: the EXIF is dropped. EXIF larger than a JPEG can
    hold is not read at all (reading those tags took 0.4 s more), and EXIF that Pillow
    cannot read (a header that is no TIFF, an orientation that is no number): both
    leave the picture as it was sent rather than failing the upload."""
    exif = picture.info.get("exif") or picture.info.get("Raw profile type exif") or b""
    if len(exif) > MAX_EXIF_BYTES:
        return picture
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Pillow's "corrupt EXIF data"
        try:
            method = UPRIGHT.get(picture.getexif().get(ExifTags.Base.Orientation))
        except Exception:  # whatever a broken EXIF makes Pillow raise
            return picture
    return picture if method is None else picture.transpose(method)


def _in_mode(picture: Image.Image, mode: str) -> Image.Image:
    return picture if picture.mode == mode else picture.convert(mode)


def _fitted(size: tuple[int, int]) -> tuple[int, int]:
    """`size` shrunk to fit MAX_EDGE x MAX_EDGE, keeping its proportions."""
    if max(size) <= MAX_EDGE:
        return size
    scale = MAX_EDGE / max(size)
    return max(round(size[0] * scale), 1), max(round(size[1] * scale), 1)


def _peak_bytes(picture: Image.Image, kind: str, full_size: tuple[int, int],
                data: bytes) -> int:
    """Bytes held at once while `picture` (opened, drafted, not yet loaded) is decoded
    and then shrunk by `_reencode`: its metadata, the image itself, what stays beside
    it, and the larger of what decoding and shrinking add."""
    pixel = PIXEL_BYTES.get(picture.mode, 4)
    image = picture.width * picture.height * pixel
    decoding = kept = 0
    if kind == "JPEG":
        decoding = _coefficient_bytes(picture, full_size, data)
    elif kind == "WEBP":
        # libwebp's animation decoder (Pillow's only one) keeps two canvases of the
        # picture's size until the file is closed; Pillow copies one into a bytes object,
        # then into the image.
        kept = 2 * image
        decoding = kept + image
    return (_metadata_bytes(picture, kind, data) + image
            + max(decoding, kept + _shrinking_bytes(picture.mode, picture.size, pixel)))


def _metadata_bytes(picture: Image.Image, kind: str, data: bytes) -> int:
    """Metadata Pillow holds beside the pixels, all dropped on re-encoding: what it read
    so far (EXIF, ICC profile, a JPEG's APP segments), and for a PNG every text chunk,
    wherever it is, as much as a compressed one may inflate to."""
    held = sum(len(value) for value in picture.info.values() if isinstance(value, bytes | str))
    if kind == "JPEG":
        held += sum(len(segment) for _marker, segment in picture.applist)
    elif kind == "PNG":
        text = 0
        for chunk_type, length in _png_chunks(data):
            if chunk_type == b"tEXt":
                text += length
            elif chunk_type in (b"zTXt", b"iTXt"):
                text += max(length, PngImagePlugin.MAX_TEXT_CHUNK)
        held += min(text, PngImagePlugin.MAX_TEXT_MEMORY)  # past it, Pillow refuses the file
    return held


def _shrinking_bytes(mode: str, size: tuple[int, int], pixel: int) -> int:
    """What Image.thumbnail allocates beside the image, the way Image.resize works:
    nearest neighbour for "1" and "P", straight into the result; otherwise, for LA and
    RGBA, a premultiplied copy first; a reduce() by whole factors while that leaves at
    least twice the target; then a horizontal pass (new width x old height) and the
    result. (Converting a premultiplied result back happens once the copy is freed.)"""
    target = _fitted(size)
    if target == size:
        return 0
    result = target[0] * target[1] * pixel
    if mode in ("1", "P"):
        return result
    width, height = size
    factor_x = max(int(width / target[0] / 2), 1)
    factor_y = max(int(height / target[1] / 2), 1)
    copy = width * height * pixel if mode in ("LA", "RGBA") else 0
    reduced_height = math.ceil(height / factor_y)
    reduced = (math.ceil(width / factor_x) * reduced_height * pixel
               if factor_x > 1 or factor_y > 1 else 0)
    horizontal = target[0] * reduced_height * pixel
    return copy + reduced + horizontal + result


def _coefficient_bytes(picture: Image.Image, full_size: tuple[int, int], data: bytes) -> int:
    """libjpeg keeps every DCT coefficient of the whole image, at full size whatever the
    scale (2 bytes each, 64 per 8 x 8 block of each component), when the picture comes
    in several scans: progressive JPEGs, and those whose first scan lacks a component."""
    if not picture.info.get("progressive") and _jpeg_scans(data)[0] >= picture.layers:
        return 0
    components = picture.layer  # (id, horizontal sampling, vertical sampling, table)
    if not all(1 <= c[1] <= 4 and 1 <= c[2] <= 4 for c in components):
        raise ValueError("sampling factors libjpeg refuses")  # photo_unreadable, not a 500
    most_across = max(c[1] for c in components)
    most_down = max(c[2] for c in components)
    total = 0
    for _id, across, down, _table in components:
        blocks_across = math.ceil(math.ceil(full_size[0] * across / most_across) / 8)
        blocks_down = math.ceil(math.ceil(full_size[1] * down / most_down) / 8)
        # libjpeg rounds each up to a whole number of the component's sampling factor.
        total += (math.ceil(blocks_across / across) * across
                  * math.ceil(blocks_down / down) * down * 64 * 2)
    return total


def _count_parts(data: bytes) -> None:
    """Raise ValueError (photo_unreadable) for a JPEG of more segments or scans, or a PNG
    of more chunks, than a photo has: before Pillow reads them one by one."""
    if data.startswith(b"\xff\xd8\xff"):
        _jpeg_scans(data)
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        _png_chunks(data)


def _png_chunks(data: bytes) -> list[tuple[bytes, int]]:
    """The type and length of each chunk of a PNG, up to its IEND (where Pillow stops).
    Raises ValueError past MAX_PNG_CHUNKS."""
    chunks = []
    position = 8  # after the signature; a chunk is length, type, body, CRC
    while position + 8 <= len(data):
        if len(chunks) == MAX_PNG_CHUNKS:
            raise ValueError("too many PNG chunks")
        length = int.from_bytes(data[position:position + 4], "big")
        chunks.append((data[position + 4:position + 8], length))
        if chunks[-1][0] == b"IEND":
            break
        position += 12 + length
    return chunks


def _jpeg_scans(data: bytes) -> tuple[int, int]:
    """How many components the first scan of a JPEG names, and how many scans its first
    picture has ((0, 0) if none is found): read from its marker segments, which all
    carry their length, and from the markers that end each scan's entropy-coded data.
    Raises ValueError past MAX_JPEG_SEGMENTS segments and stray bytes, or past
    MAX_JPEG_SCANS scans."""
    first = scans = 0
    position = 2  # after the start-of-image marker
    for _step in range(MAX_JPEG_SEGMENTS):
        if position + 4 >= len(data):
            return first, scans
        if data[position] != 0xFF:
            position += 1  # stray bytes between segments, which Pillow skips too
            continue
        marker = data[position + 1]
        if marker in (0x00, 0xFF):  # fill bytes
            position += 1
        elif marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a segment
            position += 2
        elif marker == 0xD9:  # the end of the picture (an MPO's next one may follow)
            return first, scans
        elif marker == 0xDA:
            scans += 1
            if scans > MAX_JPEG_SCANS:
                raise ValueError("too many JPEG scans")
            if scans == 1:
                first = data[position + 4]
            end = _SCAN_END.search(
                data, position + 2 + int.from_bytes(data[position + 2:position + 4], "big"))
            position = end.start() if end else len(data)
        else:
            position += 2 + int.from_bytes(data[position + 2:position + 4], "big")
    raise ValueError("too many JPEG segments")


def photo_file(photo: Photo, upload_dir: str) -> Path:
    return Path(upload_dir) / photo.path
