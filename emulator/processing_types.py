"""The records that flow through the processing stage and its error results."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "METADATA_EXTRACTION_FAILED",
    "PROCESSING_FAILED",
    "FailedRecord",
    "PartitionKeyError",
    "ProcessedRecord",
    "SourceRecord",
]

# Values of !{firehose:error-output-type} for the failures of this stage.
PROCESSING_FAILED = "processing-failed"
METADATA_EXTRACTION_FAILED = "metadata-extraction-failed"


@dataclass
class SourceRecord:
    """A record as it entered processing; ``arrival`` is in epoch seconds."""

    record_id: str
    data: bytes
    arrival: float


@dataclass
class ProcessedRecord:
    """A record ready for buffering, with the partition keys found so far."""

    source: SourceRecord
    data: bytes
    keys_from_query: dict[str, str] = field(default_factory=dict)
    keys_from_lambda: dict[str, str] = field(default_factory=dict)


@dataclass
class FailedRecord:
    """A record bound for the error output, with the fields of its error document."""

    source: SourceRecord
    error_output_type: str
    error_code: str
    error_message: str
    attempts_made: int
    attempt_ending: float
    lambda_arn: str | None


class PartitionKeyError(Exception):
    """A partition key could not be extracted from a record."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
