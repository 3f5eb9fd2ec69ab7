"""Soak test: put 2,000 records/s for 10 minutes; memory must stay flat and nothing be lost.

Two variants, each through boto3 against an in-process ``FirehoseEmulator``:

- ``manual``: a ``ManualClock`` moved one second per step, with no sleeping, so
  10 minutes of traffic take as long as the puts themselves;
- ``system``: the system clock and the background delivery ticker, paced in
  real time (``--duration`` shortens it).

Records are JSON events of about 200 bytes, each with a unique id and a
newline, put in PutRecordBatch calls of 500 into a stream buffered at 1 MiB or
60 seconds, with CloudWatch metrics and the IAM check on. Like a consumer, the
benchmark reads and deletes delivered objects every 30 seconds, so that memory
measures the emulator rather than a growing bucket. At the end every buffer is
flushed and the ids read back are compared with the ids put.

Reported: resident memory (VmRSS) after set-up, after each minute of traffic
and at the end; records put, delivered, lost and duplicated; delivery attempts.

Run: ``python benchmarks/bench_soak.py [--clock manual|system|both]
[--duration SECONDS] [--rate N]``. Exit status 1 when a record is lost or
duplicated.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time

from emulator import FirehoseEmulator, ManualClock, observability

STREAM = "soak-stream"
BUCKET = "soak-bucket"
ROLE = "firehose-soak"
BATCH = 500
CONSUME_EVERY = 30
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "firehose.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
PERMISSIONS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        }
    ],
}


def rss_mib() -> float:
    """Return this process's resident memory in MiB, from /proc (Linux)."""
    gc.collect()
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found in /proc/self/status")


def event(record_id: int) -> bytes:
    """Return one JSON event of about 200 bytes with a newline."""
    document = {
        "id": record_id,
        "eventType": ("Delivered", "Read", "Opened", "Deleted")[record_id % 4],
        "messageId": f"{record_id * 2654435761 % 2**64:016x}",
        "userId": f"user-{record_id % 100000:06d}",
        "inboxId": f"inbox-{record_id % 1000:04d}",
        "occurredAt": "2026-12-04T15:00:00Z",
        "client": "web",
        "appVersion": "4.2.1",
    }
    return json.dumps(document, separators=(",", ":")).encode() + b"\n"


class Soak:
    """One soak run: the emulator, its clients and the record accounting."""

    def __init__(self, firehose: FirehoseEmulator, total: int):
        self.firehose = firehose
        self.firehose_client = firehose.client("firehose")
        self.s3 = firehose.client("s3")
        self.seen = bytearray(total)
        self.put = 0
        self.failed_puts = 0
        self.delivered = 0
        self.duplicates = 0

    def set_up(self) -> None:
        iam = self.firehose.client("iam")
        iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.put_role_policy(
            RoleName=ROLE, PolicyName="write", PolicyDocument=json.dumps(PERMISSIONS)
        )
        self.s3.create_bucket(Bucket=BUCKET)
        self.firehose_client.create_delivery_stream(
            DeliveryStreamName=STREAM,
            ExtendedS3DestinationConfiguration={
                "RoleARN": f"arn:aws:iam::123456789012:role/{ROLE}",
                "BucketARN": f"arn:aws:s3:::{BUCKET}",
                "Prefix": "soak/",
                "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
            },
        )

    def put_batch(self, count: int) -> None:
        """Put ``count`` new records, resending entries that failed."""
        pending = [{"Data": event(self.put + i)} for i in range(count)]
        self.put += count
        while pending:
            response = self.firehose_client.put_record_batch(
                DeliveryStreamName=STREAM, Records=pending
            )
            results = response["RequestResponses"]
            pending = [
                r for r, result in zip(pending, results) if "ErrorCode" in result
            ]
            self.failed_puts += len(pending)

    def consume(self) -> None:
        """Read every delivered object, count its ids, and delete it."""
        listing = self.s3.list_objects_v2(Bucket=BUCKET)
        for item in listing.get("Contents", []):
            body = self.s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
            for line in body.splitlines():
                record_id = json.loads(line)["id"]
                if self.seen[record_id]:
                    self.duplicates += 1
                self.seen[record_id] = 1
                self.delivered += 1
            self.s3.delete_object(Bucket=BUCKET, Key=item["Key"])
        if listing.get("IsTruncated"):
            self.consume()

    def lost(self) -> int:
        return self.put - sum(self.seen[: self.put])


def run_manual(duration: int, rate: int) -> dict:
    """Run the soak on a manual clock, one clock second per step."""
    with FirehoseEmulator(
        clock=ManualClock("2026-12-04T15:00:00Z"), seed=1
    ) as firehose:
        observability.attach(firehose.runtime)
        soak = Soak(firehose, duration * rate)
        soak.set_up()
        memory = [rss_mib()]
        started = time.monotonic()
        for second in range(1, duration + 1):
            for start in range(0, rate, BATCH):
                soak.put_batch(min(BATCH, rate - start))
            firehose.advance(1)
            if second % CONSUME_EVERY == 0:
                soak.consume()
            if second % 60 == 0:
                memory.append(rss_mib())
        firehose.flush()
        soak.consume()
        memory.append(rss_mib())
        return _result("manual", soak, memory, time.monotonic() - started, duration)


def run_system(duration: int, rate: int) -> dict:
    """Run the soak on the system clock, paced in real time."""
    with FirehoseEmulator(seed=1) as firehose:
        observability.attach(firehose.runtime)
        soak = Soak(firehose, duration * rate)
        soak.set_up()
        memory = [rss_mib()]
        started = time.monotonic()
        slots = rate // BATCH or 1
        per_slot = rate // slots
        for second in range(1, duration + 1):
            for slot in range(slots):
                due = started + (second - 1) + slot / slots
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                soak.put_batch(per_slot)
            if second % CONSUME_EVERY == 0:
                soak.consume()
            if second % 60 == 0:
                memory.append(rss_mib())
        firehose.flush()
        soak.consume()
        memory.append(rss_mib())
        return _result("system", soak, memory, time.monotonic() - started, duration)


def _result(
    clock: str, soak: Soak, memory: list[float], elapsed: float, duration: int
) -> dict:
    attempts = soak.firehose.delivery_log
    return {
        "clock": clock,
        "clock_seconds": duration,
        "wall_seconds": round(elapsed, 1),
        "records_put": soak.put,
        "records_delivered": soak.delivered,
        "records_lost": soak.lost(),
        "records_duplicated": soak.duplicates,
        "entries_resent": soak.failed_puts,
        "delivery_attempts": len(attempts),
        "failed_attempts": sum(1 for a in attempts if a.outcome != "delivered"),
        "rss_mib": [round(value, 1) for value in memory],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clock", choices=["manual", "system", "both"], default="both")
    parser.add_argument(
        "--duration", type=int, default=600, help="seconds of traffic (default 600)"
    )
    parser.add_argument("--rate", type=int, default=2000, help="records per second")
    arguments = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    runners = {"manual": run_manual, "system": run_system}
    clocks = ["manual", "system"] if arguments.clock == "both" else [arguments.clock]
    ok = True
    for clock in clocks:
        result = runners[clock](arguments.duration, arguments.rate)
        print(json.dumps(result))
        rss = result["rss_mib"]
        minute = f", {rss[1]} MiB after the first minute" if len(rss) > 2 else ""
        print(
            f"{clock} clock: {result['records_put']:,} records put over "
            f"{result['clock_seconds']} s ({result['wall_seconds']} s of wall time), "
            f"{result['records_lost']} lost, {result['records_duplicated']} duplicated; "
            f"RSS {rss[0]} MiB after set-up{minute}, {rss[-1]} MiB at the end"
        )
        ok = ok and result["records_lost"] == 0 and result["records_duplicated"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
