"""`write_if`: the one shape of a conditional DynamoDB write (about fifteen stores had their own
try/except around put/update/delete/transact, some catching only one of the two ways a condition fails)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from cockpit.ddb import Written, write_if


def error(code: str, **extra: Any) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}, **extra}, "PutItem")


def answering(result: dict[str, Any] | Exception):  # type: ignore[no-untyped-def]
    seen: list[dict[str, Any]] = []

    def write(**request: Any) -> dict[str, Any]:
        seen.append(request)
        if isinstance(result, Exception):
            raise result
        return result

    write.seen = seen  # type: ignore[attr-defined]
    return write


def test_written_carries_the_answer_and_the_request_goes_through_unchanged() -> None:
    write = answering({"Attributes": {"n": {"N": "2"}}})
    written = write_if(write, TableName="t", Key={"pk": {"S": "a"}}, ReturnValues="ALL_NEW")
    assert written and written.ok and written.response == {"Attributes": {"n": {"N": "2"}}}
    assert written.found == {}
    assert write.seen == [{"TableName": "t", "Key": {"pk": {"S": "a"}}, "ReturnValues": "ALL_NEW"}]  # type: ignore[attr-defined]


def test_a_failed_condition_is_an_answer_with_the_item_it_found() -> None:
    old = {"pk": {"S": "a"}, "state": {"S": "DONE"}}
    written = write_if(answering(error("ConditionalCheckFailedException", Item=old)), TableName="t")
    assert not written and written == Written(ok=False, found=old)


def test_a_failed_condition_without_the_old_item_finds_nothing() -> None:
    written = write_if(answering(error("ConditionalCheckFailedException")), TableName="t")
    assert not written and written.found == {}


def test_a_transaction_cancelled_by_a_condition_is_the_same_answer() -> None:
    cancelled = error(
        "TransactionCanceledException",
        CancellationReasons=[{"Code": "None"}, {"Code": "ConditionalCheckFailed"}],
    )
    assert not write_if(answering(cancelled), TransactItems=[])


@pytest.mark.parametrize(
    "failure",
    [
        error("ProvisionedThroughputExceededException"),
        error("ValidationException"),
        # cancelled for another reason (a conflicting transaction): not a lost race, an error
        error("TransactionCanceledException", CancellationReasons=[{"Code": "TransactionConflict"}]),
        RuntimeError("not DynamoDB at all"),
    ],
)
def test_every_other_error_is_raised(failure: Exception) -> None:
    with pytest.raises(type(failure)):
        write_if(answering(failure), TableName="t")
