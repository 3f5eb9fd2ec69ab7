"""Benchmark dynamic partitioning against the same records delivered unpartitioned.

Prints, from one run, the engine's throughput in records/s (intake, processing,
buffers, keys and delivery to moto's S3, without boto3) for the same JSON
events of about 200 bytes, put in batches of 500:

1. unpartitioned: no processing configuration;
2. delimiter only: AppendDelimiterToRecord, so every record takes the
   processing path but no jq query runs;
3. partitioned: dynamic partitioning into 4 partitions by ``eventType``, with
   a jq MetadataExtraction query.

Run: ``python benchmarks/bench_partitioning.py [--records N]``.
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Any

from bench_engine import make_events

from emulator import FirehoseEmulator, ManualClock, moto_glue
from emulator.runtime import Settings

STREAM = "bench-stream"
BUCKET = "bench-bucket"
ROLE_ARN = "arn:aws:iam::123456789012:role/bench"
BATCH = 500
HINTS = {"SizeInMBs": 64, "IntervalInSeconds": 900}
QUERY = "{type: .eventType}"


def unpartitioned() -> dict[str, Any]:
    return {"Prefix": "events/", "BufferingHints": HINTS}


def delimiter_only() -> dict[str, Any]:
    return {
        **unpartitioned(),
        "ProcessingConfiguration": {
            "Enabled": True,
            "Processors": [{"Type": "AppendDelimiterToRecord"}],
        },
    }


def partitioned() -> dict[str, Any]:
    return {
        "Prefix": "events/type=!{partitionKeyFromQuery:type}/",
        "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
        "BufferingHints": HINTS,
        "DynamicPartitioningConfiguration": {"Enabled": True},
        "ProcessingConfiguration": {
            "Enabled": True,
            "Processors": [
                {
                    "Type": "MetadataExtraction",
                    "Parameters": [
                        {
                            "ParameterName": "MetadataExtractionQuery",
                            "ParameterValue": QUERY,
                        },
                        {
                            "ParameterName": "JsonParsingEngine",
                            "ParameterValue": "JQ-1.6",
                        },
                    ],
                }
            ],
        },
    }


def bench(events: list[bytes], members: dict[str, Any]) -> dict[str, float]:
    """Put ``events`` through the engine in batches of 500, flush, and time it all."""
    clock = ManualClock("2026-12-04T15:00:00Z")
    settings = Settings(iam_mode="off")
    with FirehoseEmulator(clock=clock, seed=1, settings=settings) as firehose:
        firehose.client("s3").create_bucket(Bucket=BUCKET)
        firehose.client("firehose").create_delivery_stream(
            DeliveryStreamName=STREAM,
            ExtendedS3DestinationConfiguration={
                "RoleARN": ROLE_ARN,
                "BucketARN": f"arn:aws:s3:::{BUCKET}",
                **members,
            },
        )
        backend = moto_glue.firehose_backend("123456789012", firehose.region)
        stream = backend.delivery_streams[STREAM]
        chunks = [events[i : i + BATCH] for i in range(0, len(events), BATCH)]
        gc.collect()
        start = time.perf_counter()
        for chunk in chunks:
            backend._accept(stream, chunk)
        attempts = firehose.flush()
        seconds = time.perf_counter() - start
    delivered = sum(a.records for a in attempts if a.kind == "data")
    if delivered != len(events):
        raise RuntimeError(f"{delivered} of {len(events)} records were delivered")
    return {
        "records_per_second": len(events) / seconds,
        "seconds": seconds,
        "objects": len(attempts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--records", type=int, default=200_000, help="records to put, in batches of 500"
    )
    arguments = parser.parse_args()
    events = make_events(arguments.records)

    print(f"engine alone, {len(events):,} records of about 200 bytes, batches of 500:")
    results = {}
    for name, members in (
        ("unpartitioned", unpartitioned()),
        ("delimiter only", delimiter_only()),
        ("partitioned (jq, 4)", partitioned()),
    ):
        results[name] = bench(events, members)
        result = results[name]
        print(
            f"  {name:<20}: {result['records_per_second']:10,.0f} records/s, "
            f"{result['seconds']:6.2f} s, {result['objects']:.0f} objects"
        )
    ratio = (
        results["partitioned (jq, 4)"]["records_per_second"]
        / results["unpartitioned"]["records_per_second"]
    )
    print(f"  partitioned / unpartitioned: {ratio:.2f}")


if __name__ == "__main__":
    main()
