"""Tests for emulator.compression, read back with decoders from other projects."""

from __future__ import annotations

import gzip
import io
import json
import random
import struct
import zipfile
import zlib

import pytest
import snappy
from kafka.codec import snappy_decode
from snappy.snappy_formats import hadoop_stream_decompress

from emulator.compression import (
    FORMATS,
    CompressedObject,
    compress,
    decompress,
    default_extension,
)

SNAPPY_JAVA_HEADER = b"\x82SNAPPY\x00" + b"\x00\x00\x00\x01" + b"\x00\x00\x00\x01"
ENTRY_NAME = "c7cc019b-af51-412d-b641-b3b44ceb3d87"
# 2026-01-02T03:04:05.9Z
MTIME = 1767323045.9


def _json_lines(size: int) -> bytes:
    rng = random.Random(20260102)
    lines = []
    total = 0
    while total < size:
        record = {
            "id": len(lines),
            "user": f"user-{rng.randrange(10**6)}",
            "value": rng.random(),
            "event": rng.choice(["click", "view", "purchase"]),
        }
        line = json.dumps(record).encode() + b"\n"
        lines.append(line)
        total += len(line)
    return b"".join(lines)


INPUTS = {
    "empty": b"",
    "small": b"abcabcabc",
    "32KiB": (b"0123456789abcdef" * 2048),
    "32KiB+1": (b"0123456789abcdef" * 2048) + b"!",
    "256KiB+1": bytes(range(256)) * 1024 + b"!",
    "3MiB-json": _json_lines(3 * 1024 * 1024),
    "random": random.Random(1234).randbytes(300_000),
}
NON_EMPTY = {name: data for name, data in INPUTS.items() if data}


def _hadoop_decode(body: bytes) -> bytes:
    output = io.BytesIO()
    hadoop_stream_decompress(io.BytesIO(body), output)
    return output.getvalue()


def _snappy_java_blocks(body: bytes) -> list[bytes]:
    """Split a snappy-java stream after its header into raw Snappy blocks."""
    blocks = []
    offset = len(SNAPPY_JAVA_HEADER)
    while offset < len(body):
        (length,) = struct.unpack_from(">i", body, offset)
        blocks.append(body[offset + 4 : offset + 4 + length])
        offset += 4 + length
    return blocks


def _hadoop_blocks(body: bytes) -> list[tuple[int, bytes]]:
    """Split Hadoop framing into (uncompressed length, raw Snappy block) pairs."""
    blocks = []
    offset = 0
    while offset < len(body):
        uncompressed, compressed = struct.unpack_from(">ii", body, offset)
        blocks.append((uncompressed, body[offset + 8 : offset + 8 + compressed]))
        offset += 8 + compressed
    return blocks


# GZIP


@pytest.mark.parametrize("name", list(INPUTS))
def test_compress_gzip_read_by_gzip_module(name):
    data = INPUTS[name]

    body = compress("GZIP", data, mtime=MTIME).body

    assert gzip.decompress(body) == data


def test_compress_gzip_single_member():
    data = INPUTS["3MiB-json"]

    body = compress("GZIP", data).body
    reader = zlib.decompressobj(wbits=31)
    output = reader.decompress(body)

    assert output == data
    assert reader.eof
    assert reader.unused_data == b""


def test_compress_gzip_header_has_mtime_and_no_name():
    body = compress("GZIP", b"abcabcabc", mtime=MTIME).body

    magic, method, flags, header_mtime, _, os_code = struct.unpack_from("<HBBLBB", body)
    assert magic == 0x8B1F
    assert method == 8
    assert flags == 0
    assert header_mtime == 1767323045
    assert os_code == 255
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as reader:
        reader.read()
        assert reader.mtime == 1767323045
        assert reader.name == ""


def test_compress_gzip_negative_mtime_stores_zero():
    body = compress("GZIP", b"abc", mtime=-5.0).body

    assert struct.unpack_from("<L", body, 4)[0] == 0


# ZIP


@pytest.mark.parametrize("name", list(INPUTS))
def test_compress_zip_one_entry_read_by_zipfile(name):
    data = INPUTS[name]

    body = compress("ZIP", data, mtime=MTIME, entry_name=ENTRY_NAME).body

    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        infos = archive.infolist()
        assert len(infos) == 1
        assert infos[0].filename == ENTRY_NAME
        assert infos[0].compress_type == zipfile.ZIP_DEFLATED
        assert archive.read(ENTRY_NAME) == data
        assert archive.testzip() is None


def test_compress_zip_date_time_from_mtime_utc():
    body = compress("ZIP", b"abc", mtime=MTIME, entry_name=ENTRY_NAME).body

    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        # The DOS time field stores seconds in 2-second steps.
        assert archive.infolist()[0].date_time == (2026, 1, 2, 3, 4, 4)


@pytest.mark.parametrize(
    ("mtime", "expected"),
    [
        (0.0, (1980, 1, 1, 0, 0, 0)),
        (-100.0, (1980, 1, 1, 0, 0, 0)),
        (315532800.0, (1980, 1, 1, 0, 0, 0)),
        (1e11, (2107, 12, 31, 23, 59, 58)),
    ],
    ids=["epoch", "negative", "1980", "year-5138"],
)
def test_compress_zip_date_time_out_of_range_clamped(mtime, expected):
    body = compress("ZIP", b"abc", mtime=mtime, entry_name=ENTRY_NAME).body

    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.infolist()[0].date_time == expected


# Snappy (snappy-java stream)


@pytest.mark.parametrize("name", list(NON_EMPTY))
def test_compress_snappy_read_by_kafka(name):
    data = NON_EMPTY[name]

    body = compress("Snappy", data).body

    assert snappy_decode(body) == data


def test_compress_snappy_header_bytes_exact():
    body = compress("Snappy", b"abcabcabc").body

    assert body[:16] == b"\x82SNAPPY\x00\x00\x00\x00\x01\x00\x00\x00\x01"


def test_compress_snappy_empty_input_header_only():
    # kafka-python 3.0's snappy_decode reads a body of 16 bytes or fewer as raw
    # Snappy, so this case is checked against the header bytes alone.
    assert compress("Snappy", b"").body == SNAPPY_JAVA_HEADER


def test_compress_snappy_small_input_exact_bytes():
    body = compress("Snappy", b"abcabcabc").body

    # One block: length 11, then the Snappy varint 9 and a 9-byte literal.
    assert body == SNAPPY_JAVA_HEADER + b"\x00\x00\x00\x0b" + b"\t abcabcabc"


@pytest.mark.parametrize(
    ("name", "block_sizes"),
    [
        ("32KiB", [32768]),
        ("32KiB+1", [32768, 1]),
        ("256KiB+1", [32768] * 8 + [1]),
    ],
)
def test_compress_snappy_blocks_of_32_kib(name, block_sizes):
    data = INPUTS[name]

    blocks = _snappy_java_blocks(compress("Snappy", data).body)

    assert [len(snappy.uncompress(block)) for block in blocks] == block_sizes


# HADOOP_SNAPPY


@pytest.mark.parametrize("name", list(INPUTS))
def test_compress_hadoop_snappy_read_by_python_snappy(name):
    data = INPUTS[name]

    body = compress("HADOOP_SNAPPY", data).body

    assert _hadoop_decode(body) == data


def test_compress_hadoop_snappy_small_input_exact_bytes():
    body = compress("HADOOP_SNAPPY", b"abcabcabc").body

    assert body == b"\x00\x00\x00\x09" + b"\x00\x00\x00\x0b" + b"\t abcabcabc"


def test_compress_hadoop_snappy_empty_input_empty_body():
    assert compress("HADOOP_SNAPPY", b"").body == b""


@pytest.mark.parametrize(
    ("name", "block_sizes"),
    [
        ("32KiB", [32768]),
        ("32KiB+1", [32768, 1]),
        ("256KiB+1", [32768] * 8 + [1]),
    ],
)
def test_compress_hadoop_snappy_framing_lengths(name, block_sizes):
    data = INPUTS[name]

    blocks = _hadoop_blocks(compress("HADOOP_SNAPPY", data).body)

    assert [uncompressed for uncompressed, _ in blocks] == block_sizes
    assert [len(snappy.uncompress(block)) for _, block in blocks] == block_sizes


def test_compress_hadoop_snappy_blocks_fit_hadoop_buffer():
    # Hadoop's SnappyDecompressor copies each compressed block into a buffer of
    # io.compression.codec.snappy.buffersize bytes (256 KiB by default).
    blocks = _hadoop_blocks(compress("HADOOP_SNAPPY", INPUTS["random"]).body)

    assert max(len(block) for _, block in blocks) <= 256 * 1024


# All formats


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", list(INPUTS))
def test_decompress_compress_round_trip(fmt, name):
    data = INPUTS[name]

    body = compress(fmt, data, mtime=MTIME, entry_name=ENTRY_NAME).body

    assert decompress(fmt, body) == data


@pytest.mark.parametrize("fmt", FORMATS)
def test_compress_same_input_same_bytes(fmt):
    data = INPUTS["3MiB-json"]

    first = compress(fmt, data, mtime=MTIME, entry_name=ENTRY_NAME)
    second = compress(fmt, bytes(data), mtime=MTIME, entry_name=ENTRY_NAME)

    assert first == second


@pytest.mark.parametrize("fmt", ["GZIP", "ZIP"])
def test_compress_other_mtime_other_bytes(fmt):
    first = compress(fmt, b"abc", mtime=MTIME, entry_name=ENTRY_NAME)
    second = compress(fmt, b"abc", mtime=MTIME + 3600, entry_name=ENTRY_NAME)

    assert first.body != second.body


@pytest.mark.parametrize(
    ("fmt", "content_encoding", "extension"),
    [
        ("UNCOMPRESSED", None, ""),
        ("GZIP", "gzip", ".gz"),
        ("ZIP", "zip", ".zip"),
        ("Snappy", "snappy-java", ".snappy"),
        ("HADOOP_SNAPPY", "hadoop-snappy", ".snappy"),
    ],
)
def test_compress_metadata_per_format(fmt, content_encoding, extension):
    result = compress(fmt, b"abcabcabc")

    assert isinstance(result, CompressedObject)
    assert result.content_encoding == content_encoding
    assert result.extension == extension
    assert default_extension(fmt) == extension


def test_compress_uncompressed_body_unchanged():
    assert compress("UNCOMPRESSED", b"abcabcabc").body == b"abcabcabc"


def test_compress_hadoop_snappy_extension_override():
    result = compress("HADOOP_SNAPPY", b"abc", hadoop_snappy_extension=".hsnappy")

    assert result.extension == ".hsnappy"
    assert result.content_encoding == "hadoop-snappy"
    assert default_extension("HADOOP_SNAPPY", hadoop_snappy_extension=".hsnappy") == (
        ".hsnappy"
    )


def test_compress_snappy_ignores_hadoop_extension():
    result = compress("Snappy", b"abc", hadoop_snappy_extension=".hsnappy")

    assert result.extension == ".snappy"


def test_formats_exact_enum_values():
    assert FORMATS == ("UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY")


# Errors

UNKNOWN_FORMAT_MESSAGE = (
    "Invalid compression format 'SNAPPY'. Use one of (case-sensitive): "
    "UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY"
)


def test_compress_unknown_format_raises_value_error():
    with pytest.raises(ValueError) as excinfo:
        compress("SNAPPY", b"abc")

    assert str(excinfo.value) == UNKNOWN_FORMAT_MESSAGE


def test_decompress_unknown_format_raises_value_error():
    with pytest.raises(ValueError) as excinfo:
        decompress("SNAPPY", b"abc")

    assert str(excinfo.value) == UNKNOWN_FORMAT_MESSAGE


def test_default_extension_unknown_format_raises_value_error():
    with pytest.raises(ValueError) as excinfo:
        default_extension("gzip")

    assert str(excinfo.value) == (
        "Invalid compression format 'gzip'. Use one of (case-sensitive): "
        "UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY"
    )


@pytest.mark.parametrize(
    ("fmt", "body", "message"),
    [
        (
            "Snappy",
            b"SNAPPY",
            "invalid Snappy body: missing the snappy-java magic header",
        ),
        (
            "Snappy",
            SNAPPY_JAVA_HEADER + b"\x00\x00\x00\x0b\t abc",
            "invalid Snappy body: the Snappy block at offset 20 is truncated",
        ),
        (
            "HADOOP_SNAPPY",
            b"\x00\x00\x00\x09\x00\x00",
            "invalid HADOOP_SNAPPY body: the compressed length at offset 4 "
            "is truncated",
        ),
        (
            "HADOOP_SNAPPY",
            b"\x00\x00\x00\x05\x00\x00\x00\x0b\t abcabcabc",
            "invalid HADOOP_SNAPPY body: a block declares 5 uncompressed bytes "
            "but its chunks hold 9",
        ),
        (
            "HADOOP_SNAPPY",
            b"\x80\x00\x00\x00",
            "invalid HADOOP_SNAPPY body: the uncompressed length at offset 0 "
            "is negative: -2147483648",
        ),
        (
            "ZIP",
            b"not a zip",
            "invalid ZIP body: File is not a zip file",
        ),
    ],
    ids=[
        "snappy-magic",
        "snappy-truncated",
        "hadoop-truncated",
        "hadoop-length",
        "hadoop-negative",
        "zip",
    ],
)
def test_decompress_malformed_body_raises_value_error(fmt, body, message):
    with pytest.raises(ValueError) as excinfo:
        decompress(fmt, body)

    assert str(excinfo.value) == message


def test_decompress_gzip_truncated_raises_value_error():
    body = compress("GZIP", INPUTS["small"]).body

    with pytest.raises(ValueError) as excinfo:
        decompress("GZIP", body[:-4])

    assert str(excinfo.value).startswith("invalid GZIP body: ")


def test_decompress_zip_two_entries_raises_value_error():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a", b"1")
        archive.writestr("b", b"2")

    with pytest.raises(ValueError) as excinfo:
        decompress("ZIP", buffer.getvalue())

    assert str(excinfo.value) == "invalid ZIP body: expected 1 entry, found 2"


# Bodies from other writers


def test_decompress_hadoop_snappy_block_with_two_chunks():
    # Hadoop's BlockCompressorStream writes one uncompressed length for a large
    # write, then several (compressed length, block) pairs.
    first, second = b"a" * 1000, b"b" * 500
    body = b"".join(
        [
            struct.pack(">i", len(first) + len(second)),
            struct.pack(">i", len(snappy.compress(first))),
            snappy.compress(first),
            struct.pack(">i", len(snappy.compress(second))),
            snappy.compress(second),
        ]
    )

    assert decompress("HADOOP_SNAPPY", body) == first + second


def test_decompress_hadoop_snappy_zero_length_block_empty():
    # Hadoop's BlockCompressorStream writes a zero length for an empty stream.
    assert decompress("HADOOP_SNAPPY", b"\x00\x00\x00\x00") == b""


def test_decompress_gzip_two_members_concatenated():
    body = gzip.compress(b"abc", mtime=0) + gzip.compress(b"def", mtime=0)

    assert decompress("GZIP", body) == b"abcdef"


def test_decompress_snappy_header_only_empty():
    assert decompress("Snappy", SNAPPY_JAVA_HEADER) == b""
