"""The moto server started with `--state` keeps what was written across restarts: a table item, a
secret (with its ARN), an SSM parameter (with its tags), an S3 object. A SIGTERM saves before exiting; a
SIGKILL after the save that follows a write loses nothing; `--fresh` starts empty and keeps the old
file aside; a damaged file or one from another version never stops the server: it says what happened,
moves the file aside and starts clean. Real processes, free ports."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cockpit_dev import aws_endpoint, moto_state
from cockpit_dev.aws_endpoint import AwsEndpoint
from cockpit_dev.net import free_port
from tests.integration.local.conftest import aws_client

BUCKET = "state-bucket"
SECRET = "partner/acme/api-key"
PARAMETER = "/cockpit/state/base-url"


def start(folder: Path, *, fresh: bool = False) -> AwsEndpoint:
    return aws_endpoint.start_moto(
        free_port(), folder / "moto.log", state_file=folder / "state.pickle", fresh=fresh
    )


def write_everything(url: str) -> dict[str, Any]:
    """One of each: a table with an item, a secret, a tagged SSM parameter, an S3 object."""
    dynamodb = aws_client("dynamodb", url)
    dynamodb.create_table(
        TableName="reservations",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    )
    dynamodb.put_item(TableName="reservations", Item={"pk": {"S": "r-1"}, "units": {"N": "2"}})
    arn = aws_client("secretsmanager", url).create_secret(Name=SECRET, SecretString="s3cr3t")["ARN"]
    ssm = aws_client("ssm", url)
    ssm.put_parameter(Name=PARAMETER, Value="http://127.0.0.1:3000", Type="String")
    ssm.add_tags_to_resource(
        ResourceType="Parameter", ResourceId=PARAMETER, Tags=[{"Key": "owner", "Value": "cockpit"}]
    )
    s3 = aws_client("s3", url)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="contracts/acme.json", Body=b'{"openapi": "3.1.0"}')
    return {"secret_arn": arn}


def read_everything(url: str) -> dict[str, Any]:
    item = aws_client("dynamodb", url).get_item(TableName="reservations", Key={"pk": {"S": "r-1"}})
    secrets = aws_client("secretsmanager", url)
    ssm = aws_client("ssm", url)
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=PARAMETER)["TagList"]
    body = aws_client("s3", url).get_object(Bucket=BUCKET, Key="contracts/acme.json")["Body"].read()
    return {
        "item": item["Item"],
        "secret_arn": secrets.describe_secret(SecretId=SECRET)["ARN"],
        "secret": secrets.get_secret_value(SecretId=SECRET)["SecretString"],
        "parameter": ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"],
        "tags": tags,
        "object": body,
    }


def expected(written: dict[str, Any]) -> dict[str, Any]:
    return {
        "item": {"pk": {"S": "r-1"}, "units": {"N": "2"}},
        "secret_arn": written["secret_arn"],
        "secret": "s3cr3t",
        "parameter": "http://127.0.0.1:3000",
        "tags": [{"Key": "owner", "Value": "cockpit"}],
        "object": b'{"openapi": "3.1.0"}',
    }


def nothing_there(url: str) -> None:
    with pytest.raises(ClientError) as raised:
        aws_client("dynamodb", url).describe_table(TableName="reservations")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError):
        aws_client("secretsmanager", url).describe_secret(SecretId=SECRET)
    assert aws_client("s3", url).list_buckets()["Buckets"] == []


def saved(endpoint: AwsEndpoint, timeout: float = 40) -> dict[str, Any]:
    """The server's state document once every write answered so far is in the file (the save window
    has passed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = endpoint.state()
        if not state["unsaved"]:
            return state
        time.sleep(0.05)
    raise AssertionError(f"writes still unsaved after {timeout:.0f}s: {endpoint.state()}")


def test_a_sigterm_saves_and_a_restart_restores(tmp_path: Path) -> None:
    first = start(tmp_path)
    assert first.state()["messages"] == [
        f"no saved state in {tmp_path / 'state.pickle'} yet: starting clean, saving there"
    ]
    written = write_everything(first.url)
    first.stop()  # SIGTERM: at once, without waiting for the save a second after the writes
    assert first.process is None
    second = start(tmp_path)
    try:
        state = second.state()
        assert {"dynamodb", "s3", "secretsmanager", "ssm"} <= set(state["restored"]), state
        assert state["problem"] is None and state["not_kept"] == {}, state
        assert read_everything(second.url) == expected(written)
    finally:
        second.stop()


def test_a_sigkill_after_the_save_loses_nothing(tmp_path: Path) -> None:
    first = start(tmp_path)
    written = write_everything(first.url)
    assert saved(first)["saves"] >= 1
    assert first.process is not None
    first.process.kill()
    first.process.wait(10)
    first.process = None
    (tmp_path / ".state.pickle.4242.tmp").write_bytes(b"half a save")  # as a save killed mid-write leaves
    second = start(tmp_path)
    try:
        assert read_everything(second.url) == expected(written)
        assert not list(tmp_path.glob(".state.pickle.*.tmp"))  # leftovers of a killed save are removed
        # More writes on the restored state are saved too: the next restart has both.
        before = second.state()["saves"]
        aws_client("dynamodb", second.url).put_item(TableName="reservations", Item={"pk": {"S": "r-2"}})
        assert saved(second)["saves"] > before
    finally:
        second.stop()
    third = start(tmp_path)
    try:
        scan = aws_client("dynamodb", third.url).scan(TableName="reservations")["Items"]
        assert sorted(i["pk"]["S"] for i in scan) == ["r-1", "r-2"]
    finally:
        third.stop()


@pytest.fixture(scope="module")
def saved_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A state file holding everything `write_everything` writes (copied by the tests that spoil it)."""
    folder = tmp_path_factory.mktemp("saved")
    endpoint = start(folder)
    write_everything(endpoint.url)
    endpoint.stop()
    return folder / "state.pickle"


def test_fresh_starts_empty_and_keeps_the_old_state_aside(tmp_path: Path, saved_state: Path) -> None:
    shutil.copy(saved_state, tmp_path / "state.pickle")
    fresh = start(tmp_path, fresh=True)
    try:
        state = fresh.state()
        assert state["restored"] == [] and state["fresh"] is True
        assert state["set_aside"] == str(tmp_path / "state.pickle.previous")
        assert state["messages"][0].startswith("fresh start (the saved state was moved to "), state
        nothing_there(fresh.url)
    finally:
        fresh.stop()
    assert (tmp_path / "state.pickle.previous").stat().st_size > 0


def damage_truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def damage_flipped(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))


def damage_other_version(path: Path) -> None:
    magic, header, payload = path.read_bytes().split(b"\n", 2)
    document = json.loads(header)
    document["moto"] = "4.2.14"
    path.write_bytes(magic + b"\n" + json.dumps(document).encode() + b"\n" + payload)


def damage_garbage(path: Path) -> None:
    path.write_bytes(b"\x00\x01not a state file at all")


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (damage_truncated, "its contents are damaged (checksum mismatch: cut short or altered)"),
        (damage_flipped, "its contents are damaged (checksum mismatch: cut short or altered)"),
        (damage_other_version, "it was saved by another version (format 1, moto 4.2.14, Python "),
        (damage_garbage, "it is not a state file of this server"),
    ],
    ids=["truncated", "flipped-byte", "other-moto-version", "garbage"],
)
def test_an_unusable_state_file_is_moved_aside_and_the_server_starts_clean(
    tmp_path: Path, saved_state: Path, damage: Any, why: str
) -> None:
    state_file = tmp_path / "state.pickle"
    shutil.copy(saved_state, state_file)
    damage(state_file)
    damaged = state_file.read_bytes()
    second = start(tmp_path)
    try:
        state = second.state()
        assert state["restored"] == [] and why in state["problem"], state
        aside = Path(state["set_aside"])
        assert aside.name.startswith("state.pickle.unusable-") and aside.read_bytes() == damaged
        said = f"the saved state {state_file} cannot be used: {state['problem']}; moved to {aside}"
        assert state["messages"] == [f"{said}, starting clean"]
        assert "cannot be used" in (tmp_path / "moto.log").read_text()
        nothing_there(second.url)
        aws_client("secretsmanager", second.url).create_secret(Name="after", SecretString="x")
        saved(second)  # the clean start saves again, to the same place
    finally:
        second.stop()
    assert "secretsmanager" in moto_state.StateFile(state_file).read().services


def test_a_second_server_on_the_same_file_keeps_nothing(tmp_path: Path, saved_state: Path) -> None:
    shutil.copy(saved_state, tmp_path / "state.pickle")
    first = start(tmp_path)
    try:
        second = start(tmp_path)
        try:
            state = second.state()
            assert state["persistent"] is False
            said = "is in use by another moto server: this one starts empty, keeps nothing"
            assert state["messages"] == [f"{tmp_path / 'state.pickle'} {said}"]
            nothing_there(second.url)  # it did not load the first one's state either
        finally:
            second.stop()
        assert read_everything(first.url)["secret"] == "s3cr3t"
    finally:
        first.stop()
    third = start(tmp_path)  # the lock went with the first server
    try:
        assert third.state()["persistent"] is True
        assert read_everything(third.url)["secret"] == "s3cr3t"
    finally:
        third.stop()


def test_a_folder_it_cannot_write_does_not_stop_the_server(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("a file where the state's folder should be")
    endpoint = aws_endpoint.start_moto(
        free_port(), tmp_path / "moto.log", state_file=tmp_path / "not-a-folder" / "state.pickle"
    )
    try:
        state = endpoint.state()
        assert state["persistent"] is False, state
        assert state["messages"][0].startswith(f"cannot keep the state in {tmp_path / 'not-a-folder'}"), state
        write_everything(endpoint.url)  # it serves all the same
    finally:
        endpoint.stop()


def test_without_state_nothing_is_written(tmp_path: Path) -> None:
    endpoint = aws_endpoint.start_moto(free_port(), tmp_path / "moto.log")
    try:
        write_everything(endpoint.url)
        assert endpoint.state() == {"persistent": False}
    finally:
        endpoint.stop()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["moto.log"]
