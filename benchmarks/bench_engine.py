"""Benchmark the delivery engine against plain moto on the same workload.

Prints, from one run:

1. boto3 PutRecordBatch (500 JSON events of about 200 bytes) through
   ``FirehoseEmulator`` and through plain moto ``mock_aws``, and the ratio;
2. the engine alone (intake, buffers, keys, delivery to moto's S3, no boto3),
   in records/s and MiB/s, uncompressed and GZIP, and the GZIP stage against
   ``zlib.compress`` on the same bytes;
3. resident memory with 100 MiB of records buffered, against the bytes buffered.

Run: ``python benchmarks/bench_engine.py [--batches N]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import time
import zlib

import boto3
from moto import mock_aws

from emulator import FirehoseEmulator, ManualClock, compression
from emulator import moto_glue

MIB = 1024 * 1024
STREAM = "bench-stream"
BUCKET = "bench-bucket"
TYPES = ("Delivered", "Read", "Opened", "Deleted")


def make_events(count: int, seed: int = 1) -> list[bytes]:
    """Return ``count`` JSON events of about 200 bytes, one per line."""
    rng = random.Random(seed)
    events = []
    for index in range(count):
        event = {
            "eventType": TYPES[index % 4],
            "messageId": f"{rng.getrandbits(64):016x}",
            "userId": f"user-{rng.randrange(100000):06d}",
            "inboxId": f"inbox-{rng.randrange(1000):04d}",
            "occurredAt": f"2026-12-04T15:{index % 60:02d}:00Z",
            "client": rng.choice(["ios", "android", "web"]),
            "appVersion": f"4.{rng.randrange(20)}.{rng.randrange(10)}",
            "sessionId": f"{rng.getrandbits(48):012x}",
        }
        events.append(json.dumps(event, separators=(",", ":")).encode() + b"\n")
    return events


def _create(client, s3, hints: dict[str, int], compression_format: str = "UNCOMPRESSED"):
    s3.create_bucket(Bucket=BUCKET)
    client.create_delivery_stream(
        DeliveryStreamName=STREAM,
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/bench",
            "BucketARN": f"arn:aws:s3:::{BUCKET}",
            "BufferingHints": hints,
            "CompressionFormat": compression_format,
        },
    )


def _put_batches(client, batches: list[list[dict[str, bytes]]]) -> float:
    start = time.perf_counter()
    for batch in batches:
        response = client.put_record_batch(DeliveryStreamName=STREAM, Records=batch)
        assert response["FailedPutCount"] == 0
    return time.perf_counter() - start


def _count_objects(s3) -> int:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return sum(page.get("KeyCount", 0) for page in pages)


def bench_boto3(batch_count: int) -> dict[str, float]:
    events = make_events(500 * batch_count)
    batches = [
        [{"Data": data} for data in events[i : i + 500]] for i in range(0, len(events), 500)
    ]
    results: dict[str, float] = {}
    with mock_aws():
        client = boto3.client("firehose", region_name="us-east-1")
        s3 = boto3.client("s3", region_name="us-east-1")
        _create(client, s3, {"SizeInMBs": 5, "IntervalInSeconds": 300})
        results["moto_seconds"] = _put_batches(client, batches)
        results["moto_objects"] = _count_objects(s3)
    with FirehoseEmulator(clock=ManualClock("2026-12-04T15:00:00Z"), seed=1) as firehose:
        client = firehose.client("firehose")
        s3 = firehose.client("s3")
        _create(client, s3, {"SizeInMBs": 5, "IntervalInSeconds": 300})
        seconds = _put_batches(client, batches)
        start = time.perf_counter()
        firehose.flush()
        results["emulator_seconds"] = seconds + time.perf_counter() - start
        results["emulator_objects"] = _count_objects(s3)
    results["records"] = len(events)
    return results


def bench_engine(record_count: int, compression_format: str) -> dict[str, float]:
    """Time the engine alone: the backend's intake, buffers and delivery to moto's S3."""
    events = make_events(record_count)
    total_bytes = sum(map(len, events))
    with FirehoseEmulator(clock=ManualClock("2026-12-04T15:00:00Z"), seed=1) as firehose:
        _create(
            firehose.client("firehose"),
            firehose.client("s3"),
            {"SizeInMBs": 5, "IntervalInSeconds": 300},
            compression_format,
        )
        backend = moto_glue.firehose_backend("123456789012", firehose.region)
        stream = backend.delivery_streams[STREAM]
        chunks = [events[i : i + 500] for i in range(0, len(events), 500)]
        gc.collect()
        start = time.perf_counter()
        for chunk in chunks:
            backend._accept(stream, chunk)
        firehose.flush()
        seconds = time.perf_counter() - start
    return {
        "records_per_second": record_count / seconds,
        "mib_per_second": total_bytes / MIB / seconds,
        "seconds": seconds,
    }


def bench_gzip_stage(record_count: int) -> dict[str, float]:
    """Compare the GZIP stage with zlib.compress on the same 5 MiB objects."""
    data = b"".join(make_events(record_count))
    objects = [data[i : i + 5 * MIB] for i in range(0, len(data), 5 * MIB)]
    best_ours = best_zlib = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for body in objects:
            compression.compress("GZIP", body)
        best_ours = min(best_ours, time.perf_counter() - start)
        start = time.perf_counter()
        for body in objects:
            zlib.compress(body, 6)
        best_zlib = min(best_zlib, time.perf_counter() - start)
    return {"ours_seconds": best_ours, "zlib_seconds": best_zlib, "ratio": best_zlib / best_ours}


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def bench_memory(buffered_mib: int = 100) -> dict[str, float]:
    """Measure resident memory growth while ``buffered_mib`` MiB of records are buffered."""
    with FirehoseEmulator(clock=ManualClock("2026-12-04T15:00:00Z"), seed=1) as firehose:
        _create(
            firehose.client("firehose"),
            firehose.client("s3"),
            {"SizeInMBs": 128, "IntervalInSeconds": 900},
        )
        backend = moto_glue.firehose_backend("123456789012", firehose.region)
        stream = backend.delivery_streams[STREAM]
        template = make_events(500)
        gc.collect()
        before = _rss_bytes()
        buffered = 0
        counter = 0
        while buffered < buffered_mib * MIB:
            # Fresh bytes objects, as records decoded from requests are.
            chunk = [b"%08d" % (counter + i) + event[8:] for i, event in enumerate(template)]
            counter += len(chunk)
            backend._accept(stream, chunk)
            buffered += sum(map(len, chunk))
        gc.collect()
        after = _rss_bytes()
        state = firehose.streams()[0]
    return {
        "buffered_bytes": state["buffered_bytes"],
        "rss_growth_bytes": after - before,
        "ratio": (after - before) / state["buffered_bytes"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=200, help="PutRecordBatch calls of 500")
    parser.add_argument("--engine-records", type=int, default=1_000_000)
    parser.add_argument(
        "--memory-only", action="store_true", help="print the memory figures as JSON and exit"
    )
    arguments = parser.parse_args()
    if arguments.memory_only:
        print(json.dumps(bench_memory()))
        return

    boto = bench_boto3(arguments.batches)
    moto_rate = boto["records"] / boto["moto_seconds"]
    emulator_rate = boto["records"] / boto["emulator_seconds"]
    print(f"boto3 PutRecordBatch, {boto['records']:,} records in batches of 500:")
    print(f"  plain moto mock_aws : {moto_rate:12,.0f} records/s, {boto['moto_objects']:.0f} objects")
    print(f"  FirehoseEmulator    : {emulator_rate:12,.0f} records/s, {boto['emulator_objects']:.0f} objects")
    print(f"  ratio               : {emulator_rate / moto_rate:.2f}x plain moto (target >= 1.5x)")

    for fmt in ("UNCOMPRESSED", "GZIP"):
        engine = bench_engine(arguments.engine_records, fmt)
        print(
            f"engine alone, {fmt:<12}: {engine['records_per_second']:12,.0f} records/s, "
            f"{engine['mib_per_second']:7.1f} MiB/s"
            + ("  (target >= 500,000 records/s)" if fmt == "UNCOMPRESSED" else "")
        )
    stage = bench_gzip_stage(arguments.engine_records)
    print(
        f"GZIP stage vs zlib.compress on the same bytes: {stage['ratio'] * 100:.0f}% of "
        f"zlib's speed (target >= 80%)"
    )
    # A fresh process, so that memory freed by the runs above is not reused.
    output = subprocess.run(
        [sys.executable, __file__, "--memory-only"], check=True, capture_output=True, text=True
    ).stdout
    memory = json.loads(output.strip().splitlines()[-1])
    print(
        f"memory with {memory['buffered_bytes'] / MIB:.0f} MiB buffered: RSS grew "
        f"{memory['rss_growth_bytes'] / MIB:.0f} MiB, {memory['ratio']:.2f}x the bytes "
        "buffered (target < 1.5x)"
    )


if __name__ == "__main__":
    main()
