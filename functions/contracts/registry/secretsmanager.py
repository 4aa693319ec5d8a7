"""SecretStore on AWS Secrets Manager."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from cockpit import aws


class SecretsManagerSecrets:
    def create(self, name: str, value: dict[str, str], description: str) -> str:
        created = aws.client("secretsmanager").create_secret(
            Name=name, Description=description, SecretString=json.dumps(value)
        )
        return str(created["ARN"])

    def delete(self, arn: str, *, at_once: bool) -> None:
        options = {"ForceDeleteWithoutRecovery": True} if at_once else {"RecoveryWindowInDays": 7}
        try:
            aws.client("secretsmanager").delete_secret(SecretId=arn, **options)
        except ClientError as exc:
            # gone already, or already scheduled for deletion (InvalidRequestException says so)
            if exc.response.get("Error", {}).get("Code") not in (
                "ResourceNotFoundException",
                "InvalidRequestException",
            ):
                raise
