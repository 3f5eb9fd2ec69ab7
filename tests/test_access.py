"""Tests for emulator.access: the delivery role checked in the off, warn and strict modes."""

from __future__ import annotations

import json
import warnings

import pytest

from emulator import FirehoseEmulator, ManualClock
from emulator.access import document_allows, trust_allows
from emulator.errors import ConfigurationError, FidelityWarning
from emulator.runtime import Settings

START = "2026-12-04T15:00:00Z"
ACCOUNT = "123456789012"
ROLE_NAME = "firehose-to-s3-writer"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"
BUCKET = "vascular-inbox-events"
STREAM = "message-interaction-events"

# The role and policies of the Vascular set-up, as its document gives them.
VASCULAR_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "firehose.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
VASCULAR_PERMISSIONS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:PutObjectAcl"],
            "Resource": ["arn:aws:s3:::vascular-inbox-events/*"],
        }
    ],
}
ACCESS_DENIED_TEXT = "Access was denied. Ensure that the trust policy"


def permissions_for(resource: str, actions=("s3:PutObject",), effect="Allow") -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": effect, "Action": list(actions), "Resource": resource}
        ],
    }


def emulator(mode: str, account_id: str | None = None) -> FirehoseEmulator:
    return FirehoseEmulator(
        clock=ManualClock(START),
        seed=3,
        account_id=account_id,
        settings=Settings(iam_mode=mode),
    )


def create_role(
    firehose, trust=VASCULAR_TRUST, policy=VASCULAR_PERMISSIONS, name=ROLE_NAME
):
    iam = firehose.client("iam")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    if policy is not None:
        iam.put_role_policy(
            RoleName=name,
            PolicyName=f"{name}-permissions",
            PolicyDocument=json.dumps(policy),
        )
    return iam


def create_stream(firehose, role_arn=ROLE_ARN):
    firehose.client("s3").create_bucket(Bucket=BUCKET)
    client = firehose.client("firehose")
    client.create_delivery_stream(
        DeliveryStreamName=STREAM,
        DeliveryStreamType="DirectPut",
        S3DestinationConfiguration={
            "RoleARN": role_arn,
            "BucketARN": f"arn:aws:s3:::{BUCKET}",
            "Prefix": "vascular",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
        },
    )
    return client


def deliver_one(firehose, client, data=b'{"eventType":"Read"}\n'):
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": data})
    attempts = firehose.advance(60)
    return attempts[0]


def object_count(firehose) -> int:
    listing = firehose.client("s3").list_objects_v2(Bucket=BUCKET)
    return listing.get("KeyCount", 0)


def test_strict_vascular_role_and_policies_deliver():
    vascular_account = "000000000000"
    with emulator("strict", account_id=vascular_account) as firehose:
        create_role(firehose)
        client = create_stream(
            firehose, role_arn=f"arn:aws:iam::{vascular_account}:role/{ROLE_NAME}"
        )

        attempt = deliver_one(firehose, client)

        assert attempt.outcome == "delivered"
        assert attempt.error_code is None
        assert object_count(firehose) == 1


def test_strict_policy_for_other_bucket_fails_access_denied():
    with emulator("strict") as firehose:
        create_role(firehose, policy=permissions_for("arn:aws:s3:::another-bucket/*"))
        client = create_stream(firehose)

        attempt = deliver_one(firehose, client)

        assert attempt.outcome == "failed"
        assert attempt.error_code == "S3.AccessDenied"
        assert attempt.error_message.startswith(ACCESS_DENIED_TEXT)
        assert object_count(firehose) == 0


def test_strict_missing_role_fails_access_denied():
    with emulator("strict") as firehose:
        client = create_stream(firehose)

        attempt = deliver_one(firehose, client)

        assert attempt.error_code == "S3.AccessDenied"
        assert object_count(firehose) == 0


def test_strict_trust_for_other_service_fails_access_denied():
    trust = json.loads(json.dumps(VASCULAR_TRUST))
    trust["Statement"][0]["Principal"] = {"Service": "lambda.amazonaws.com"}
    with emulator("strict") as firehose:
        create_role(firehose, trust=trust)
        client = create_stream(firehose)

        attempt = deliver_one(firehose, client)

        assert attempt.error_code == "S3.AccessDenied"


def test_strict_role_without_policies_fails_access_denied():
    with emulator("strict") as firehose:
        create_role(firehose, policy=None)
        client = create_stream(firehose)

        attempt = deliver_one(firehose, client)

        assert attempt.error_code == "S3.AccessDenied"


def test_strict_attached_managed_policy_delivers():
    with emulator("strict") as firehose:
        iam = create_role(firehose, policy=None)
        arn = iam.create_policy(
            PolicyName="firehose-s3",
            PolicyDocument=json.dumps(permissions_for(f"arn:aws:s3:::{BUCKET}/*")),
        )["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=ROLE_NAME, PolicyArn=arn)
        client = create_stream(firehose)

        attempt = deliver_one(firehose, client)

        assert attempt.outcome == "delivered"


def test_strict_explicit_deny_fails_access_denied():
    with emulator("strict") as firehose:
        iam = create_role(firehose)
        iam.put_role_policy(
            RoleName=ROLE_NAME,
            PolicyName="deny-vascular",
            PolicyDocument=json.dumps(
                permissions_for("arn:aws:s3:::vascular-*", effect="Deny")
            ),
        )
        client = create_stream(firehose)

        attempt = deliver_one(firehose, client)

        assert attempt.error_code == "S3.AccessDenied"


def test_strict_permissions_boundary_without_s3_fails_access_denied():
    with emulator("strict") as firehose:
        iam = create_role(firehose)
        boundary = iam.create_policy(
            PolicyName="logs-only",
            PolicyDocument=json.dumps(permissions_for("*", actions=("logs:*",))),
        )["Policy"]["Arn"]
        iam.put_role_permissions_boundary(
            RoleName=ROLE_NAME, PermissionsBoundary=boundary
        )
        client = create_stream(firehose)

        attempt = deliver_one(firehose, client)

        assert attempt.error_code == "S3.AccessDenied"


@pytest.mark.parametrize(
    ("external_id", "expected"),
    [(ACCOUNT, "delivered"), ("999999999999", "failed")],
    ids=["own-account", "other-account"],
)
def test_strict_trust_external_id_condition_checks_account(external_id, expected):
    trust = json.loads(json.dumps(VASCULAR_TRUST))
    trust["Statement"][0]["Condition"] = {
        "StringEquals": {"sts:ExternalId": external_id}
    }
    with emulator("strict") as firehose:
        create_role(firehose, trust=trust)
        client = create_stream(firehose)

        attempt = deliver_one(firehose, client)

        assert attempt.outcome == expected


def test_strict_fixed_policy_delivers_on_retry():
    with emulator("strict") as firehose:
        iam = create_role(
            firehose, policy=permissions_for("arn:aws:s3:::another-bucket/*")
        )
        client = create_stream(firehose)
        first = deliver_one(firehose, client)
        iam.put_role_policy(
            RoleName=ROLE_NAME,
            PolicyName=f"{ROLE_NAME}-permissions",
            PolicyDocument=json.dumps(VASCULAR_PERMISSIONS),
        )

        retry = firehose.advance(5)

        assert first.error_code == "S3.AccessDenied"
        assert [a.outcome for a in retry] == ["delivered"]
        assert retry[0].attempt == 2
        assert object_count(firehose) == 1


def test_warn_missing_role_warns_once_and_delivers():
    with emulator("warn") as firehose:
        client = create_stream(firehose)

        with pytest.warns(FidelityWarning) as caught:
            first = deliver_one(firehose, client)
            second = deliver_one(firehose, client)

        messages = [str(w.message) for w in caught if w.category is FidelityWarning]
        assert len(messages) == 1
        assert f"the role {ROLE_ARN} does not exist in IAM" in messages[0]
        assert "S3.AccessDenied" in messages[0]
        assert (first.outcome, second.outcome) == ("delivered", "delivered")
        assert object_count(firehose) == 2


def test_warn_other_bucket_policy_names_bucket_and_delivers():
    with emulator("warn") as firehose:
        create_role(firehose, policy=permissions_for("arn:aws:s3:::another-bucket/*"))
        client = create_stream(firehose)

        with pytest.warns(
            FidelityWarning, match=f"allows s3:PutObject on the bucket {BUCKET}"
        ):
            attempt = deliver_one(firehose, client)

        assert attempt.outcome == "delivered"


def test_warn_is_default_mode():
    assert Settings().iam_mode == "warn"


def test_off_missing_role_delivers_without_warning():
    with emulator("off") as firehose:
        client = create_stream(firehose)

        with warnings.catch_warnings():
            warnings.simplefilter("error", FidelityWarning)
            attempt = deliver_one(firehose, client)

        assert attempt.outcome == "delivered"


def test_unknown_mode_raises_configuration_error():
    with pytest.raises(ConfigurationError) as caught:
        Settings(iam_mode="enforce")

    assert str(caught.value) == (
        "invalid iam_mode 'enforce': use one of 'off', 'warn', 'strict'"
    )


def test_document_allows_wildcard_resource_matches_key():
    document = permissions_for("arn:aws:s3:::vascular-inbox-events/*")

    assert document_allows(
        document, "s3:PutObject", "arn:aws:s3:::vascular-inbox-events/a/b"
    )
    assert not document_allows(
        document, "s3:PutObject", "arn:aws:s3:::vascular-inbox-events"
    )
    assert not document_allows(
        document, "s3:GetObject", "arn:aws:s3:::vascular-inbox-events/a"
    )


def test_document_allows_not_resource_excludes_bucket():
    document = {
        "Statement": {
            "Effect": "Allow",
            "Action": "s3:*",
            "NotResource": "arn:aws:s3:::secret-bucket/*",
        }
    }

    assert document_allows(
        document, "s3:PutObject", "arn:aws:s3:::vascular-inbox-events/k"
    )
    assert not document_allows(document, "s3:PutObject", "arn:aws:s3:::secret-bucket/k")


def test_document_allows_deny_wins_over_allow():
    document = {
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::b/*",
            },
        ]
    }

    assert not document_allows(document, "s3:PutObject", "arn:aws:s3:::b/key")
    assert document_allows(document, "s3:GetObject", "arn:aws:s3:::b/key")


def test_trust_allows_deny_for_firehose_rejects():
    trust = {
        "Statement": [
            VASCULAR_TRUST["Statement"][0],
            {
                "Effect": "Deny",
                "Principal": {"Service": ["firehose.amazonaws.com"]},
                "Action": "sts:AssumeRole",
            },
        ]
    }

    assert trust_allows(VASCULAR_TRUST, ROLE_ARN, {}) is True
    assert trust_allows(trust, ROLE_ARN, {}) is False
