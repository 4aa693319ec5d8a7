"""DocumentStore on Amazon S3 (a versioned, encrypted bucket with public access blocked)."""

from __future__ import annotations

from cockpit import aws


class S3Documents:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def put(self, key: str, body: bytes) -> str | None:
        answer = aws.client("s3").put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType="application/json",
            ServerSideEncryption="AES256",
        )
        version = answer.get("VersionId")
        return str(version) if version and version != "null" else None

    def delete(self, key: str, version_id: str | None) -> None:
        if version_id:
            aws.client("s3").delete_object(Bucket=self.bucket, Key=key, VersionId=version_id)
        else:
            aws.client("s3").delete_object(Bucket=self.bucket, Key=key)
