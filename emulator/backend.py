"""The emulated Firehose backend: moto's, with AWS's validation, buffering and delivery.

moto keeps the stream records, tags and listing. This subclass validates the
S3 destinations as AWS does, stores them with AWS's defaults, and sends
records through buffers instead of writing one object per call.

Differences from AWS: a stream is ACTIVE as soon as CreateDeliveryStream
returns, and is gone as soon as DeleteDeliveryStream returns.
"""

from __future__ import annotations

import copy
import logging
from datetime import datetime, timezone
from typing import Any

from moto.firehose.models import FirehoseBackend, find_destination_config_in_args

from emulator import config as config_module
from emulator import api_checks as checks
from emulator import delivery, intake, runtime
from emulator.errors import InvalidArgumentException, ResourceNotFoundException
from emulator.stream import StreamRuntime

logger = logging.getLogger(__name__)

__all__ = ["EmulatedFirehoseBackend"]

DEFAULT_LIST_LIMIT = 10


def _epoch(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, tz=timezone.utc)


class EmulatedFirehoseBackend(FirehoseBackend):
    """moto's Firehose backend with AWS-faithful S3 delivery."""

    @property
    def _url_module(self) -> Any:
        # moto finds a backend's URL table from the module that defines its
        # class, by name; this class lives outside moto, so name ours.
        from emulator import firehose_urls

        return firehose_urls

    # Control plane ------------------------------------------------------------

    def create_delivery_stream(  # type: ignore[override]
        self,
        region: str,
        delivery_stream_name: str,
        delivery_stream_type: str,
        kinesis_stream_source_configuration: dict[str, Any],
        delivery_stream_encryption_configuration_input: dict[str, Any],
        s3_destination_configuration: dict[str, Any],
        extended_s3_destination_configuration: dict[str, Any],
        *other_destinations: Any,
        **keywords: Any,
    ) -> str:
        """Create a delivery stream; S3 destinations are validated as AWS does."""
        *others, tags = other_destinations if other_destinations else (None,) * 6
        tags = keywords.get("tags", tags)
        stream_type = checks.check_create_input(delivery_stream_name, delivery_stream_type)
        find_destination_config_in_args(
            {
                "s3_destination_configuration": s3_destination_configuration,
                "extended_s3_destination_configuration": extended_s3_destination_configuration,
                **{f"other{i}_destination": value for i, value in enumerate(others)},
            }
        )

        destination = None
        if s3_destination_configuration or extended_s3_destination_configuration:
            destination = checks.normalise_create(
                s3_destination_configuration, extended_s3_destination_configuration
            )
            s3_destination_configuration = None
            # moto renames members of the dict it is given (S3BackupConfiguration
            # becomes S3BackupDescription), so it gets a copy and the
            # normalised configuration is stored afterwards.
            extended_s3_destination_configuration = copy.deepcopy(destination)

        arn = super().create_delivery_stream(
            region,
            delivery_stream_name,
            stream_type,
            kinesis_stream_source_configuration,
            delivery_stream_encryption_configuration_input,
            s3_destination_configuration,
            extended_s3_destination_configuration,
            *others,
            tags,
        )

        stream = self.delivery_streams[delivery_stream_name]
        stream.create_timestamp = _epoch(runtime.current().clock.now())
        stream.last_update_timestamp = None
        if destination is not None:
            stream.destinations[0]["ExtendedS3"] = destination
            self._runtime_for(delivery_stream_name)
        logger.info("created delivery stream %s", arn)
        return arn

    def delete_delivery_stream(self, delivery_stream_name: str, *args: Any) -> None:
        """Delete a stream; records still buffered are dropped, as on AWS."""
        self._stream(delivery_stream_name)
        active = runtime.current()
        state = active.streams.get(
            (self.account_id, self.region_name, delivery_stream_name)
        )
        if state is not None:
            dropped = state.discard()
            active.unregister(state)
            if dropped:
                logger.warning(
                    "deleted stream %s with %d buffered records; they are dropped, "
                    "as AWS drops them",
                    delivery_stream_name,
                    dropped,
                )
        super().delete_delivery_stream(delivery_stream_name)

    def describe_delivery_stream(
        self, delivery_stream_name: str, *args: Any
    ) -> dict[str, Any]:
        """Describe a stream; an S3 destination is shown in both S3 shapes, as AWS shows it."""
        stream = self._stream(delivery_stream_name)
        destination = self._s3_destination(stream)
        if destination is None:
            return super().describe_delivery_stream(delivery_stream_name)
        description: dict[str, Any] = {
            "DeliveryStreamName": stream.delivery_stream_name,
            "DeliveryStreamARN": stream.delivery_stream_arn,
            "DeliveryStreamStatus": stream.delivery_stream_status,
            "DeliveryStreamEncryptionConfiguration": self._encryption_description(
                stream
            ),
            "DeliveryStreamType": stream.delivery_stream_type,
            "VersionId": stream.version_id,
            "CreateTimestamp": stream.create_timestamp,
            "Destinations": [
                {
                    "DestinationId": stream.destinations[0]["destination_id"],
                    "S3DestinationDescription": config_module.describe_plain(
                        destination
                    ),
                    "ExtendedS3DestinationDescription": config_module.describe_extended(
                        destination
                    ),
                }
            ],
            "HasMoreDestinations": False,
        }
        if stream.last_update_timestamp is not None:
            description["LastUpdateTimestamp"] = stream.last_update_timestamp
        if stream.source:
            description["Source"] = {"KinesisStreamSourceDescription": stream.source}
        return {"DeliveryStreamDescription": description}

    @staticmethod
    def _encryption_description(stream: Any) -> dict[str, Any]:
        encryption = stream.delivery_stream_encryption_configuration or {}
        result = {
            key: value for key, value in encryption.items() if key != "KeyARN" or value
        }
        result.setdefault("Status", "DISABLED" if not encryption else "ENABLED")
        return result

    def list_delivery_streams(
        self,
        limit: int | None,
        delivery_stream_type: str,
        exclusive_start_delivery_stream_name: str,
    ) -> dict[str, Any]:
        """List stream names in alphabetical order; AWS returns 10 when no Limit is given."""
        checks.check_optional_string(
            exclusive_start_delivery_stream_name, "exclusiveStartDeliveryStreamName"
        )
        if delivery_stream_type is not None:
            checks.check_stream_type(delivery_stream_type)
        checks.check_limit(limit, "limit", 10000)
        return super().list_delivery_streams(
            limit or DEFAULT_LIST_LIMIT,
            delivery_stream_type,
            exclusive_start_delivery_stream_name,
        )

    def list_tags_for_delivery_stream(
        self, delivery_stream_name: str, exclusive_start_tag_key: str, limit: int | None
    ) -> dict[str, Any]:
        """List a stream's tags; the AWS model allows a Limit of 1 to 50."""
        checks.check_optional_string(exclusive_start_tag_key, "exclusiveStartTagKey")
        checks.check_limit(limit, "limit", 50)
        self._stream(delivery_stream_name)
        return super().list_tags_for_delivery_stream(
            delivery_stream_name, exclusive_start_tag_key, limit
        )

    def tag_delivery_stream(self, delivery_stream_name: str, tags: Any) -> None:
        """Add or overwrite tags, after checking their shape as the AWS model does."""
        self._stream(delivery_stream_name)
        checks.check_tags(tags)
        super().tag_delivery_stream(delivery_stream_name, tags)

    def untag_delivery_stream(self, delivery_stream_name: str, tag_keys: Any) -> None:
        """Remove tags by key; keys the stream does not have are ignored, as on AWS."""
        self._stream(delivery_stream_name)
        checks.check_tag_keys(tag_keys)
        super().untag_delivery_stream(delivery_stream_name, tag_keys)

    def start_delivery_stream_encryption(
        self, stream_name: str, encryption_config: Any
    ) -> None:
        """Turn on server-side encryption; it is ENABLED at once (AWS takes seconds)."""
        stream = self._stream(stream_name)
        checks.check_encryption_input(encryption_config)
        if stream.delivery_stream_type != "DirectPut":
            raise InvalidArgumentException(
                "Server-side encryption is supported only for DirectPut delivery streams."
            )
        super().start_delivery_stream_encryption(stream_name, dict(encryption_config))

    def stop_delivery_stream_encryption(self, stream_name: str) -> None:
        """Turn off server-side encryption; it is DISABLED at once."""
        stream = self._stream(stream_name)
        if stream.delivery_stream_encryption_configuration is None:
            stream.delivery_stream_encryption_configuration = {}
        super().stop_delivery_stream_encryption(stream_name)

    def update_destination(  # type: ignore[override]
        self,
        delivery_stream_name: str,
        current_delivery_stream_version_id: str,
        destination_id: str,
        s3_destination_update: dict[str, Any],
        extended_s3_destination_update: dict[str, Any],
        *args: Any,
        **kwargs: Any,
    ) -> None:
        """Merge an S3 destination update, validate it, and move the version up by one."""
        stream = self._stream(delivery_stream_name)
        current = self._s3_destination(stream)
        update = extended_s3_destination_update or s3_destination_update
        other_updates = [value for value in args[1:] if value]
        if current is None or not update:
            return super().update_destination(
                delivery_stream_name,
                current_delivery_stream_version_id,
                destination_id,
                s3_destination_update,
                extended_s3_destination_update,
                *args,
                **kwargs,
            )
        if (s3_destination_update and extended_s3_destination_update) or other_updates:
            raise InvalidArgumentException(
                "Exactly one destination configuration is supported for a Firehose"
            )
        extended = bool(extended_s3_destination_update)
        checks.check_update(stream, current_delivery_stream_version_id, destination_id)
        if not extended:
            checks.check_plain_update(update)

        merged = config_module.merge_update(
            current,
            update,
            extended=extended,
            shape_path="extendedS3DestinationUpdate"
            if extended
            else "s3DestinationUpdate",
        )
        stream.destinations[0]["ExtendedS3"] = merged
        stream.destinations[0]["S3"] = config_module.describe_plain(merged)
        stream.version_id = str(int(stream.version_id) + 1)
        stream.last_update_timestamp = _epoch(runtime.current().clock.now())
        self._runtime_for(delivery_stream_name).configure(merged, stream.version_id)
        logger.info(
            "updated delivery stream %s to version %s",
            delivery_stream_name,
            stream.version_id,
        )

    # Data plane --------------------------------------------------------------

    def put_record(
        self, delivery_stream_name: str, record: dict[str, Any]
    ) -> dict[str, Any]:
        """Accept one record into the stream's buffer."""
        stream = self._stream(delivery_stream_name)
        if self._s3_destination(stream) is None:
            return super().put_record(delivery_stream_name, record)
        data = intake.record_data(record)
        result = self._accept(stream, [data])
        response = result["RequestResponses"][0]
        if "ErrorCode" in response:
            from emulator.errors import ServiceUnavailableException

            raise ServiceUnavailableException(response["ErrorMessage"])
        return {"RecordId": response["RecordId"], "Encrypted": result["Encrypted"]}

    def put_record_batch(
        self, delivery_stream_name: str, records: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Accept up to 500 records; each gets its own result, as on AWS."""
        stream = self._stream(delivery_stream_name)
        if self._s3_destination(stream) is None:
            return super().put_record_batch(delivery_stream_name, records)
        datas = intake.batch_data(records)
        return self._accept(stream, datas)

    def send_log_event(
        self,
        delivery_stream_arn: str,
        filter_name: str,
        log_group_name: str,
        log_stream_name: str,
        log_events: list[dict[str, Any]],
    ) -> None:
        """Receive events from a CloudWatch Logs subscription filter as one gzip record."""
        import gzip
        import json

        stream = self.lookup_name_from_arn(delivery_stream_arn)
        if stream is None or self._s3_destination(stream) is None:
            return super().send_log_event(
                delivery_stream_arn,
                filter_name,
                log_group_name,
                log_stream_name,
                log_events,
            )
        document = {
            "messageType": "DATA_MESSAGE",
            "owner": self.account_id,
            "logGroup": log_group_name,
            "logStream": log_stream_name,
            "subscriptionFilters": [filter_name],
            "logEvents": log_events,
        }
        payload = gzip.compress(
            json.dumps(document, separators=(",", ":")).encode(), mtime=0
        )
        self._accept(stream, [payload])

    def _accept(self, stream: Any, datas: list[bytes]) -> dict[str, Any]:
        if stream.delivery_stream_type == "KinesisStreamAsSource":
            raise InvalidArgumentException(
                "This operation is not permitted on KinesisStreamAsSource delivery stream type."
            )
        active = runtime.current()
        state = self._runtime_for(stream.delivery_stream_name)
        from emulator import faults

        outcomes = faults.admit(state, datas, active)
        rejected = sum(1 for error in outcomes if error is not None)
        accepted = datas
        if rejected:
            accepted = [data for data, error in zip(datas, outcomes) if error is None]
        now = active.clock.now()
        ids = active.record_ids(len(accepted))
        accepted_bytes = sum(map(len, accepted))
        with state.lock:
            state.incoming_records += len(accepted)
            state.incoming_bytes += accepted_bytes
            state.pipeline.intake(accepted, ids, now)
            state.seal_zero_interval()
        active.emit(
            "put",
            stream=state,
            records=len(accepted),
            bytes=accepted_bytes,
            failed=rejected,
            requests=1,
        )
        delivery.deliver_all(state, state.take_sealed(), active)
        if rejected:
            id_iter = iter(ids)
            responses = [
                {"RecordId": next(id_iter)}
                if error is None
                else {"ErrorCode": error[0], "ErrorMessage": error[1]}
                for error in outcomes
            ]
        else:
            responses = [{"RecordId": record_id} for record_id in ids]
        encryption = stream.delivery_stream_encryption_configuration or {}
        return {
            "FailedPutCount": rejected,
            "Encrypted": encryption.get("Status") == "ENABLED",
            "RequestResponses": responses,
        }

    # Helpers -----------------------------------------------------------------

    def _stream(self, name: str) -> Any:
        checks.check_stream_name(name)
        stream = self.delivery_streams.get(name)
        if stream is None:
            raise ResourceNotFoundException(
                f"Firehose {name} under account {self.account_id} not found."
            )
        return stream

    @staticmethod
    def _s3_destination(stream: Any) -> dict[str, Any] | None:
        destination = stream.destinations[0]
        if (
            "ExtendedS3" in destination
            and "BufferingHints" in destination["ExtendedS3"]
        ):
            return destination["ExtendedS3"]
        return None

    def _runtime_for(self, name: str) -> StreamRuntime:
        """Return the buffers of a stream, creating them on first use."""
        active = runtime.current()
        key = (self.account_id, self.region_name, name)
        state = active.streams.get(key)
        if state is None:
            stream = self.delivery_streams[name]
            state = StreamRuntime(
                account_id=self.account_id,
                region=self.region_name,
                partition=self.partition,
                name=name,
                arn=stream.delivery_stream_arn,
                destination=self._s3_destination(stream),
                version_id=stream.version_id,
            )
            active.register(state)
        return state
