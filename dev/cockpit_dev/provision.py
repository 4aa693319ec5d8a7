"""Create the template's tables, secrets, SSM parameters and S3 buckets on the AWS endpoint,
idempotently: what exists already is kept (table items, secret values, objects), so a second run finds
the data of the first."""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from cockpit_dev.template import Bucket, GeneratedSecret, Secret, SsmParameter, Table, Template

_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


@dataclass
class Provisioned:
    """What provisioning did, and the physical ids it learned (a secret's ARN as created)."""

    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    physical_ids: dict[str, str] = field(default_factory=dict)


def clients(endpoint_url: str, region: str) -> dict[str, Any]:
    config = Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 2})
    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto/LocalStack accept any
        region_name=region,
    )
    return {
        name: session.client(name, endpoint_url=endpoint_url, config=config)
        for name in ("dynamodb", "secretsmanager", "ssm", "s3")
    }


def provision(template: Template, endpoint_url: str) -> Provisioned:
    """Create every table, secret and SSM parameter of the template that is not there yet."""
    aws = clients(endpoint_url, template.region)
    result = Provisioned()
    for table in template.tables.values():
        _record(result, table.name, ensure_table(aws["dynamodb"], table))
    for secret in template.secrets.values():
        created, arn = ensure_secret(aws["secretsmanager"], secret)
        _record(result, secret.name, created)
        result.physical_ids[secret.logical_id] = arn
    for parameter in template.ssm_parameters.values():
        _record(result, parameter.name, ensure_parameter(aws["ssm"], parameter))
    for bucket in template.buckets.values():
        _record(result, bucket.name, ensure_bucket(aws["s3"], bucket, template.region))
    return result


def _record(result: Provisioned, name: str, created: bool) -> None:
    (result.created if created else result.existing).append(name)


def table_request(table: Table) -> dict[str, Any]:
    """The CreateTable request for a table of the template."""

    def keys(schema: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
        return [{"AttributeName": name, "KeyType": kind} for name, kind in schema]

    request: dict[str, Any] = {
        "TableName": table.name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": keys(table.key_schema),
        "AttributeDefinitions": [
            {"AttributeName": n, "AttributeType": t} for n, t in table.attributes.items()
        ],
    }
    if table.global_indexes:
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": i.name,
                "KeySchema": keys(i.key_schema),
                "Projection": i.projection or {"ProjectionType": "ALL"},
            }
            for i in table.global_indexes
        ]
    if table.local_indexes:
        request["LocalSecondaryIndexes"] = [
            {
                "IndexName": i.name,
                "KeySchema": keys(i.key_schema),
                "Projection": i.projection or {"ProjectionType": "ALL"},
            }
            for i in table.local_indexes
        ]
    return request


def ensure_table(dynamodb: Any, table: Table) -> bool:
    """Create the table (and its TTL) unless it exists; True if created."""
    created = True
    try:
        dynamodb.create_table(**table_request(table))
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise
        created = False
    if created:
        dynamodb.get_waiter("table_exists").wait(
            TableName=table.name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100}
        )
    if table.ttl_attribute:
        current = dynamodb.describe_time_to_live(TableName=table.name)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            dynamodb.update_time_to_live(
                TableName=table.name,
                TimeToLiveSpecification={"AttributeName": table.ttl_attribute, "Enabled": True},
            )
    return created


def ensure_secret(secretsmanager: Any, secret: Secret) -> tuple[bool, str]:
    """Create the secret unless it exists (an existing value is kept); (created, ARN)."""
    try:
        found = secretsmanager.describe_secret(SecretId=secret.name)
        return False, str(found["ARN"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    value = secret.secret_string if secret.secret_string is not None else generated_value(secret.generate)
    created = secretsmanager.create_secret(
        Name=secret.name, Description=secret.description, SecretString=value
    )
    return True, str(created["ARN"])


def generated_value(spec: GeneratedSecret | None) -> str:
    """What GenerateSecretString produces: a random password, alone or as a key of the JSON template."""
    spec = spec or GeneratedSecret()
    password = random_password(spec)
    if spec.template is None or spec.key is None:
        return password
    document = json.loads(spec.template)
    document[spec.key] = password
    return json.dumps(document)


def random_password(spec: GeneratedSecret) -> str:
    groups = [
        "" if spec.exclude_lowercase else string.ascii_lowercase,
        "" if spec.exclude_uppercase else string.ascii_uppercase,
        "" if spec.exclude_numbers else string.digits,
        "" if spec.exclude_punctuation else _PUNCTUATION,
        " " if spec.include_space else "",
    ]
    groups = [g for g in ("".join(c for c in g if c not in spec.exclude_characters) for g in groups) if g]
    if not groups:
        raise ValueError("GenerateSecretString excludes every character")
    alphabet = "".join(groups)
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(spec.length))
        if not spec.require_each_included_type or spec.length < len(groups):
            return password
        if all(any(c in group for c in password) for group in groups):
            return password


def ensure_parameter(ssm: Any, parameter: SsmParameter) -> bool:
    """Put the parameter's template value (the template owns it, as CloudFormation would); True if new."""
    try:
        current = ssm.get_parameter(Name=parameter.name)["Parameter"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ParameterNotFound":
            raise
        current = None
    if current is not None and current.get("Value") == parameter.value:
        return False
    request: dict[str, Any] = {"Name": parameter.name, "Value": parameter.value, "Type": parameter.type}
    if parameter.description:
        request["Description"] = parameter.description
    ssm.put_parameter(**request, Overwrite=current is not None)
    return current is None


def ensure_bucket(s3: Any, bucket: Bucket, region: str) -> bool:
    """Create the bucket unless it exists (its objects are kept), with the template's versioning,
    default encryption and public access block; True if created."""
    created = False
    try:
        s3.head_bucket(Bucket=bucket.name)  # (us-east-1 answers CreateBucket on one's own bucket with 200)
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("404", "NoSuchBucket", "NotFound"):
            raise
        request: dict[str, Any] = {"Bucket": bucket.name}
        if region != "us-east-1":
            request["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(**request)
        created = True
    if bucket.versioned:
        s3.put_bucket_versioning(Bucket=bucket.name, VersioningConfiguration={"Status": "Enabled"})
    if bucket.encryption:
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": bucket.encryption}}
        s3.put_bucket_encryption(Bucket=bucket.name, ServerSideEncryptionConfiguration={"Rules": [rule]})
    if bucket.public_access_block:
        s3.put_public_access_block(
            Bucket=bucket.name, PublicAccessBlockConfiguration=bucket.public_access_block
        )
    return created
