"""The local AWS endpoint applies DynamoDB writes atomically, as DynamoDB does: many racing conditional
writes of one key, one wins; racing transactions never erase each other's writes. (moto's own threaded
server does neither; the gateway's idempotency and reservation races are tested against this one.)"""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from cockpit_dev.moto_server import is_dynamodb

T = TypeVar("T")
N = 24
ROUNDS = 10


def race(attempt: Callable[[int], T]) -> list[T | Exception]:
    gate = threading.Barrier(N)

    def run(i: int) -> T | Exception:
        gate.wait()
        try:
            return attempt(i)
        except ClientError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=N) as pool:
        return list(pool.map(run, range(N)))


def table(moto_url: str) -> tuple[Any, str]:
    client = boto3.client(
        "dynamodb",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(max_pool_connections=N, retries={"max_attempts": 1}, read_timeout=30),
    )
    name = f"atomic-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    )
    for start in range(0, 200, 25):  # a table with items: moto's copy of it before a transaction takes longer
        client.batch_write_item(
            RequestItems={
                name: [{"PutRequest": {"Item": {"pk": {"S": f"seed-{start + j}"}}}} for j in range(25)]
            }
        )
    return client, name


def test_racing_conditional_puts_of_one_key_have_one_winner(moto_url: str) -> None:
    client, name = table(moto_url)
    for r in range(ROUNDS):
        outcomes = race(functools.partial(put, client, name, r))
        refused = [o for o in outcomes if isinstance(o, ClientError)]
        assert len(refused) == N - 1, f"round {r}: {N - len(refused)} conditional puts of one key won"
        assert {e.response["Error"]["Code"] for e in refused} == {"ConditionalCheckFailedException"}


def test_racing_transactions_keep_every_committed_write(moto_url: str) -> None:
    client, name = table(moto_url)
    for r in range(ROUNDS):
        outcomes = race(functools.partial(commit, client, name, r))
        won = [o for o in outcomes if isinstance(o, str)]
        assert len(won) == 1, f"round {r}: {outcomes}"
        scan = client.scan(TableName=name, ConsistentRead=True)["Items"]
        keys = {k for k in (i["pk"]["S"] for i in scan) if k == f"shared-{r}" or k.startswith(f"own-{r}-")}
        assert keys == {f"shared-{r}", won[0]}, f"round {r}"  # the winner's writes, and no loser's


def put(client: Any, name: str, r: int, i: int) -> object:
    """The round's key, only if absent: one put of the round wins."""
    return client.put_item(
        TableName=name,
        Item={"pk": {"S": f"k{r}"}, "by": {"N": str(i)}},
        ConditionExpression="attribute_not_exists(pk)",
    )


def commit(client: Any, name: str, r: int, i: int) -> str:
    """Its own item and the round's shared one, both only if absent: one transaction of the round wins."""
    puts = [f"own-{r}-{i}", f"shared-{r}"]
    client.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": name,
                    "Item": {"pk": {"S": k}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for k in puts
        ]
    )
    return f"own-{r}-{i}"


def test_what_counts_as_a_dynamodb_request() -> None:
    assert is_dynamodb({"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.PutItem"})
    assert is_dynamodb(
        {"HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=x/20261205/us-east-1/dynamodb/aws4_request, S=1"}
    )
    assert not is_dynamodb({"HTTP_X_AMZ_TARGET": "secretsmanager.GetSecretValue"})
    assert not is_dynamodb(
        {"HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=x/20261205/us-east-1/s3/aws4_request"}
    )
