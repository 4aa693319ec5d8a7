"""Demo data for the fixture: one item, written once after provisioning."""

from __future__ import annotations

import os

import boto3


def run() -> None:
    table = boto3.resource("dynamodb").Table(os.environ["ITEMS_TABLE"])
    table.put_item(Item={"pk": "seeded", "owner": "fixture", "note": "from the seed hook"})
    print("seeded the fixture table")
