"""Compression of delivered S3 objects, one function per Firehose CompressionFormat.

Firehose compresses the whole object after it concatenates the records. Each
format has a fixed ``Content-Encoding`` and a default key extension:

* ``GZIP``: one gzip member, ``.gz``, ``gzip``.
* ``ZIP``: an archive with one deflated entry named by a UUID, ``.zip``, ``zip``.
* ``Snappy``: the snappy-java (xerial) stream format, which is not Google's
  framing format, ``.snappy``, ``snappy-java``.
* ``HADOOP_SNAPPY``: Hadoop's block framing, ``hadoop-snappy``. Real deliveries
  were seen with ``.snappy``, while the AWS page "Configure Amazon S3 object
  name format" lists ``.hsnappy``, so the extension is a parameter.

Raw Snappy blocks come from ``cramjam``. Other Snappy encoders may produce
different block bytes for the same input, so only the container is meant to
match AWS, not the compressed bytes.
"""

from __future__ import annotations

import calendar
import gzip
import io
import logging
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass

import cramjam

__all__ = [
    "FORMATS",
    "CompressedObject",
    "compress",
    "decompress",
    "default_extension",
]

logger = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY")

SNAPPY_JAVA_MAGIC = b"\x82SNAPPY\x00"
# The magic, then the format version and the minimum compatible version as
# big-endian int32, both 1 as snappy-java's SnappyCodec writes them.
SNAPPY_JAVA_HEADER = SNAPPY_JAVA_MAGIC + struct.pack(">ii", 1, 1)
# Input bytes per block: the default block size of snappy-java's
# SnappyOutputStream and SnappyHadoopCompatibleOutputStream (32 KiB).
SNAPPY_JAVA_BLOCK_SIZE = 32 * 1024
# NOTE: AWS's block size for HADOOP_SNAPPY is unknown because the only
# byte-for-byte match was a one-block object. 32 KiB follows snappy-java's
# SnappyHadoopCompatibleOutputStream. 256 KiB blocks would break Hadoop readers,
# because Hadoop's SnappyDecompressor copies a compressed block into a buffer of
# io.compression.codec.snappy.buffersize (256 KiB by default), and 256 KiB of
# random bytes compress to 262,159 bytes.
HADOOP_SNAPPY_BLOCK_SIZE = 32 * 1024
# zlib's default level, which is also Java's Deflater.DEFAULT_COMPRESSION.
DEFLATE_LEVEL = 6

_CONTENT_ENCODINGS: dict[str, str | None] = {
    "UNCOMPRESSED": None,
    "GZIP": "gzip",
    "ZIP": "zip",
    "Snappy": "snappy-java",
    "HADOOP_SNAPPY": "hadoop-snappy",
}
_EXTENSIONS = {"UNCOMPRESSED": "", "GZIP": ".gz", "ZIP": ".zip", "Snappy": ".snappy"}

_GZIP_OS_UNKNOWN = 255
_MAX_GZIP_MTIME = 0xFFFFFFFF
# The DOS date in a zip header covers 1980-01-01 to 2107-12-31 and stores
# seconds in 2-second steps.
_ZIP_MIN_MTIME = calendar.timegm((1980, 1, 1, 0, 0, 0))
_ZIP_MAX_MTIME = calendar.timegm((2107, 12, 31, 23, 59, 58))
_INT32 = struct.Struct(">i")
# gzip.BadGzipFile is an OSError.
_DECODE_ERRORS = (
    ValueError,
    OSError,
    EOFError,
    zlib.error,
    zipfile.BadZipFile,
    cramjam.DecompressionError,
)


@dataclass(frozen=True)
class CompressedObject:
    """The body of a delivered object with its S3 metadata."""

    body: bytes
    content_encoding: str | None
    extension: str


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(
            f"Invalid compression format {fmt!r}. Use one of (case-sensitive): "
            + ", ".join(FORMATS)
        )


def default_extension(fmt: str, *, hadoop_snappy_extension: str = ".snappy") -> str:
    """Return the key extension Firehose adds for ``fmt`` when FileExtension is unset.

    :param fmt: a CompressionFormat value, matched case-sensitively.
    :param hadoop_snappy_extension: the extension for ``HADOOP_SNAPPY``.
    :raises ValueError: if ``fmt`` is not a CompressionFormat value.
    """
    _check_format(fmt)
    if fmt == "HADOOP_SNAPPY":
        return hadoop_snappy_extension
    return _EXTENSIONS[fmt]


def compress(
    fmt: str,
    data: bytes,
    *,
    mtime: float = 0.0,
    entry_name: str = "data",
    hadoop_snappy_extension: str = ".snappy",
) -> CompressedObject:
    """Compress an object body in ``fmt``, deterministically.

    The same arguments always give the same bytes.

    :param fmt: a CompressionFormat value, matched case-sensitively.
    :param data: the concatenated records.
    :param mtime: epoch seconds for the GZIP header and the ZIP entry date.
    :param entry_name: the name of the single ZIP entry (Firehose uses a UUID).
    :param hadoop_snappy_extension: the extension for ``HADOOP_SNAPPY``.
    :raises ValueError: if ``fmt`` is not a CompressionFormat value.
    """
    extension = default_extension(fmt, hadoop_snappy_extension=hadoop_snappy_extension)
    if fmt == "GZIP":
        body = _compress_gzip(data, mtime)
    elif fmt == "ZIP":
        body = _compress_zip(data, mtime, entry_name)
    elif fmt == "Snappy":
        body = _compress_snappy_java(data)
    elif fmt == "HADOOP_SNAPPY":
        body = _compress_hadoop_snappy(data)
    else:
        body = bytes(data)

    logger.debug("compressed %d bytes to %d bytes as %s", len(data), len(body), fmt)
    return CompressedObject(body, _CONTENT_ENCODINGS[fmt], extension)


def decompress(fmt: str, body: bytes) -> bytes:
    """Decompress an object body written in ``fmt``, the inverse of :func:`compress`.

    It also reads what other writers produce: multi-member gzip, and Hadoop
    blocks that hold more than one compressed chunk.

    :raises ValueError: if ``fmt`` is unknown or ``body`` is not valid ``fmt``.
    """
    _check_format(fmt)
    try:
        if fmt == "GZIP":
            return gzip.decompress(body)
        if fmt == "ZIP":
            return _decompress_zip(body)
        if fmt == "Snappy":
            return _decompress_snappy_java(body)
        if fmt == "HADOOP_SNAPPY":
            return _decompress_hadoop_snappy(body)
    except _DECODE_ERRORS as exc:
        raise ValueError(f"invalid {fmt} body: {exc}") from exc
    return bytes(body)


def _compress_gzip(data: bytes, mtime: float) -> bytes:
    # The header is built here because Python's zlib module cannot set gzip
    # header fields and its wbits=31 wrapper stores MTIME 0. FLG is 0, so the
    # header has no file name, comment or header CRC.
    header_mtime = min(max(int(mtime), 0), _MAX_GZIP_MTIME)
    header = struct.pack(
        "<BBBBLBB", 0x1F, 0x8B, 8, 0, header_mtime, 0, _GZIP_OS_UNKNOWN
    )
    deflated = zlib.compress(data, DEFLATE_LEVEL, wbits=-15)
    trailer = struct.pack("<LL", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return b"".join((header, deflated, trailer))


def _zip_date_time(mtime: float) -> tuple[int, int, int, int, int, int]:
    clamped = min(max(int(mtime), _ZIP_MIN_MTIME), _ZIP_MAX_MTIME)
    year, month, day, hour, minute, second = time.gmtime(clamped)[:6]
    return year, month, day, hour, minute, second


def _compress_zip(data: bytes, mtime: float, entry_name: str) -> bytes:
    info = zipfile.ZipInfo(entry_name, date_time=_zip_date_time(mtime))
    info.compress_type = zipfile.ZIP_DEFLATED
    # A fixed host system (MS-DOS) keeps the bytes the same on every platform.
    # zipfile then sets the external attributes to 0o600 << 16.
    info.create_system = 0
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, mode="w") as archive:
        archive.writestr(info, data, compresslevel=DEFLATE_LEVEL)
    return buffer.getvalue()


def _decompress_zip(body: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = archive.namelist()
        if len(names) != 1:
            raise ValueError(f"expected 1 entry, found {len(names)}")
        return archive.read(names[0])


def _compress_snappy_java(data: bytes) -> bytes:
    # Empty input gives the header alone, as snappy-java's SnappyOutputStream
    # writes the header even when no block follows.
    view = memoryview(data)
    parts = [SNAPPY_JAVA_HEADER]
    for start in range(0, len(view), SNAPPY_JAVA_BLOCK_SIZE):
        chunk = view[start : start + SNAPPY_JAVA_BLOCK_SIZE]
        block = bytes(cramjam.snappy.compress_raw(chunk))
        parts.append(_INT32.pack(len(block)))
        parts.append(block)
    return b"".join(parts)


def _compress_hadoop_snappy(data: bytes) -> bytes:
    # Each block is (uncompressed length, compressed length, raw Snappy block),
    # with no stream header, so empty input gives an empty body as in
    # snappy-java's SnappyHadoopCompatibleOutputStream. Hadoop's own
    # BlockCompressorStream would write a 4-byte zero length instead.
    view = memoryview(data)
    parts = []
    for start in range(0, len(view), HADOOP_SNAPPY_BLOCK_SIZE):
        chunk = view[start : start + HADOOP_SNAPPY_BLOCK_SIZE]
        block = bytes(cramjam.snappy.compress_raw(chunk))
        parts.append(struct.pack(">ii", len(chunk), len(block)))
        parts.append(block)
    return b"".join(parts)


def _read_length(view: memoryview, offset: int, field: str) -> int:
    if offset + 4 > len(view):
        raise ValueError(f"the {field} at offset {offset} is truncated")
    length = _INT32.unpack_from(view, offset)[0]
    if length < 0:
        raise ValueError(f"the {field} at offset {offset} is negative: {length}")
    return length


def _read_block(view: memoryview, offset: int) -> tuple[bytes, int]:
    """Decode one (compressed length, raw Snappy block) pair at ``offset``."""
    length = _read_length(view, offset, "compressed length")
    start = offset + 4
    if start + length > len(view):
        raise ValueError(f"the Snappy block at offset {start} is truncated")
    block = bytes(cramjam.snappy.decompress_raw(view[start : start + length]))
    return block, start + length


def _decompress_snappy_java(body: bytes) -> bytes:
    view = memoryview(body)
    if bytes(view[: len(SNAPPY_JAVA_MAGIC)]) != SNAPPY_JAVA_MAGIC:
        raise ValueError("missing the snappy-java magic header")
    if len(view) < len(SNAPPY_JAVA_HEADER):
        raise ValueError("the 16-byte snappy-java header is truncated")
    parts = []
    offset = len(SNAPPY_JAVA_HEADER)
    while offset < len(view):
        block, offset = _read_block(view, offset)
        parts.append(block)
    return b"".join(parts)


def _decompress_hadoop_snappy(body: bytes) -> bytes:
    view = memoryview(body)
    parts = []
    offset = 0
    while offset < len(view):
        expected = _read_length(view, offset, "uncompressed length")
        offset += 4
        produced = 0
        while produced < expected:
            block, offset = _read_block(view, offset)
            parts.append(block)
            produced += len(block)
        if produced != expected:
            raise ValueError(
                f"a block declares {expected} uncompressed bytes "
                f"but its chunks hold {produced}"
            )
    return b"".join(parts)
