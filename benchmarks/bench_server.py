"""Measure PutRecordBatch ingestion over HTTP: firehose-emulator serve against moto's server.

Both servers run as separate processes on 127.0.0.1 and get the same
workload in one run. CLIENTS threads, each with its own boto3 client, send
BATCHES PutRecordBatch calls each. A call carries 500 JSON events of about 200
bytes to one delivery stream with an S3 destination (5 MiB / 60 s hints).
The batches are made before timing starts. moto's own Firehose writes one S3
object per call; the emulator buffers and writes 5 MiB objects, as AWS does.

Printed per server: records/s and MiB/s of record data, failed requests (an
exception or a non-zero FailedPutCount), the server's CPU time, and its
resident memory (RSS, read from /proc, so Linux only) before, half-way
through and after the run. Both servers keep the objects they write in
moto's S3, which keeps objects under 5 MiB in memory and larger ones in
temporary files, so the RSS of moto's server grows with the data it stores.
The last line gives the emulator's throughput as a ratio of moto's.

Run: python benchmarks/bench_server.py [--clients 4] [--batches 100]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from emulator.control_client import ServerProcess

BUCKET = "bench-bucket"
STREAM = "bench-stream"
RECORDS_PER_BATCH = 500
# Distinct batches each client cycles through, made before the clock starts.
BATCH_POOL = 20
EVENT_TYPES = ("Delivered", "Read", "Opened", "Deleted")
MIB = 1024 * 1024
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@dataclass
class Result:
    """Figures of one server's run."""

    name: str
    records: int = 0
    data_bytes: int = 0
    seconds: float = 0.0
    failed_requests: int = 0
    errors: list[str] = field(default_factory=list)
    rss_start: int = 0
    rss_half: int = 0
    rss_end: int = 0
    cpu_seconds: float = 0.0
    stored_start: int = 0
    stored_end: int = 0

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    @property
    def mib_per_second(self) -> float:
        return self.data_bytes / MIB / self.seconds if self.seconds else 0.0


def make_batch(rng: random.Random, client: int, batch: int) -> list[dict[str, bytes]]:
    """Return 500 newline-terminated JSON events of about 200 bytes."""
    records = []
    for index in range(RECORDS_PER_BATCH):
        event = {
            "type": EVENT_TYPES[index % 4],
            "messageId": f"{client:02d}-{batch:06d}-{index:03d}",
            "userId": f"user-{rng.randrange(10**8):08d}",
            "inbox": "vascular-inbox",
            "timestamp": "2026-12-04T15:00:00.000Z",
            "padding": "x" * 64,
        }
        records.append({"Data": json.dumps(event).encode() + b"\n"})
    return records


def make_pool(client: int) -> list[list[dict[str, bytes]]]:
    """Return the batches one client cycles through."""
    rng = random.Random(client)
    return [make_batch(rng, client, index) for index in range(BATCH_POOL)]


def client_for(service: str, endpoint: str) -> object:
    config = Config(retries={"max_attempts": 1}, max_pool_connections=4)
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=config,
        **CREDENTIALS,
    )


def create_stream(endpoint: str) -> None:
    client_for("s3", endpoint).create_bucket(Bucket=BUCKET)
    client_for("firehose", endpoint).create_delivery_stream(
        DeliveryStreamName=STREAM,
        DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose-to-s3-writer",
            "BucketARN": f"arn:aws:s3:::{BUCKET}",
            "Prefix": "bench/",
            "ErrorOutputPrefix": "bench-errors/",
            "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 60},
            "CompressionFormat": "UNCOMPRESSED",
        },
    )


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_seconds(pid: int) -> float:
    """Return the user plus system CPU time a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stored_bytes(endpoint: str) -> int:
    s3 = client_for("s3", endpoint)
    total = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        total += sum(item["Size"] for item in page.get("Contents", []))
    return total


def send(
    endpoint: str,
    batches: list[list[dict[str, bytes]]],
    count: int,
    result: Result,
    lock: threading.Lock,
) -> None:
    firehose = client_for("firehose", endpoint)
    for batch_index in range(count):
        records = batches[batch_index % len(batches)]
        size = sum(len(record["Data"]) for record in records)
        try:
            response = firehose.put_record_batch(
                DeliveryStreamName=STREAM, Records=records
            )
        except Exception as error:  # counted as a failed request
            with lock:
                result.failed_requests += 1
                result.errors.append(f"{type(error).__name__}: {error}")
            continue
        with lock:
            if response["FailedPutCount"]:
                result.failed_requests += 1
                result.errors.append(f"FailedPutCount={response['FailedPutCount']}")
            result.records += len(records) - response["FailedPutCount"]
            result.data_bytes += size


def sample_rss_at_half(
    pid: int, result: Result, half: int, done: threading.Event
) -> None:
    """Record the server's RSS once half of the records have been sent."""
    while not done.wait(0.05):
        if result.records >= half:
            result.rss_half = rss_bytes(pid)
            return


def run_workload(
    name: str, endpoint: str, pid: int, clients: int, batches: int
) -> Result:
    create_stream(endpoint)
    pools = [make_pool(client) for client in range(clients)]

    result = Result(name)
    send(endpoint, pools[0], 2, Result(name), threading.Lock())
    result.rss_start = rss_bytes(pid)
    result.stored_start = stored_bytes(endpoint)
    cpu_start = cpu_seconds(pid)
    lock = threading.Lock()
    done = threading.Event()
    half = clients * batches * RECORDS_PER_BATCH // 2
    sampler = threading.Thread(
        target=sample_rss_at_half, args=(pid, result, half, done)
    )
    threads = [
        threading.Thread(
            target=send, args=(endpoint, pools[index], batches, result, lock)
        )
        for index in range(clients)
    ]

    started = time.perf_counter()
    sampler.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started

    done.set()
    sampler.join()
    result.cpu_seconds = cpu_seconds(pid) - cpu_start
    result.rss_end = rss_bytes(pid)
    result.stored_end = stored_bytes(endpoint)
    return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_moto_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
            return process, endpoint
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("moto's server did not start within 10 s")


def report(result: Result) -> None:
    print(
        f"{result.name:<18} {result.records} records in {result.seconds:.2f} s: "
        f"{result.records_per_second:.0f} records/s, {result.mib_per_second:.2f} MiB/s, "
        f"failed requests: {result.failed_requests}"
    )
    cpu_per_100k = (
        result.cpu_seconds / result.records * 100_000 if result.records else 0
    )
    stored = (result.stored_end - result.stored_start) / MIB
    print(
        f"{'':<18} server CPU {result.cpu_seconds:.1f} s ({cpu_per_100k:.1f} s per "
        f"100k records); RSS start {result.rss_start / MIB:.1f} MiB, half-way "
        f"{result.rss_half / MIB:.1f} MiB, end {result.rss_end / MIB:.1f} MiB; "
        f"objects written: {stored:.1f} MiB"
    )
    for error in result.errors[:3]:
        print(f"{'':<18} error: {error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clients", type=int, default=4, help="concurrent boto3 clients"
    )
    parser.add_argument(
        "--batches", type=int, default=100, help="PutRecordBatch calls per client"
    )
    arguments = parser.parse_args()
    os.environ.pop("AWS_ENDPOINT_URL", None)

    moto_process, moto_endpoint = start_moto_server()
    try:
        moto = run_workload(
            "moto server",
            moto_endpoint,
            moto_process.pid,
            arguments.clients,
            arguments.batches,
        )
    finally:
        moto_process.terminate()
        moto_process.wait(timeout=30)

    with ServerProcess(["--log-level", "warning"]) as server:
        ours = run_workload(
            "firehose-emulator",
            server.endpoint,
            server.pid,
            arguments.clients,
            arguments.batches,
        )
    print(
        f"{arguments.clients} clients x {arguments.batches} PutRecordBatch calls of 500 events"
    )
    report(moto)
    report(ours)
    ratio = ours.records_per_second / moto.records_per_second if moto.records else 0.0
    print(f"firehose-emulator / moto server throughput: {ratio:.2f}x")
    return 0 if not (moto.failed_requests or ours.failed_requests) else 1


if __name__ == "__main__":
    sys.exit(main())
