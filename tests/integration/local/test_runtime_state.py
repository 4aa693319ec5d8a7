"""`cockpit run` keeps its AWS state across restarts by default (in its home, .cockpit/): what was
written before a SIGTERM or a SIGKILL of the runtime is there after a restart, with the provisioned
secrets' ARNs unchanged; `--fresh` starts empty; a damaged state file never stops it. Real processes:
the runtime starts its own moto server on a free port each time."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from cockpit_dev.aws_endpoint import STATE_FILE
from cockpit_dev.net import port_open
from tests.integration.local.conftest import aws_client
from tests.support import localfn
from tests.support.local_gateway import GatewayProcess, launch

STACK = "keep"
TABLE = "driver-data"


def start(home: Path, *arguments: str) -> GatewayProcess:
    logs = home / "logs" / str(time.monotonic_ns())
    return launch(home=home, log_dir=logs, template=localfn.TEMPLATE, stack_name=STACK, arguments=arguments)


def aws(gateway: GatewayProcess, service: str) -> Any:
    return aws_client(service, gateway.url.aws_endpoint_url)


def secret_arns(gateway: GatewayProcess) -> dict[str, str]:
    listed = aws(gateway, "secretsmanager").list_secrets()["SecretList"]
    return {s["Name"]: s["ARN"] for s in listed}


def put(gateway: GatewayProcess, key: str) -> None:
    dynamodb = aws(gateway, "dynamodb")
    if TABLE not in dynamodb.list_tables()["TableNames"]:
        dynamodb.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        )
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": key}})


def keys(gateway: GatewayProcess) -> list[str]:
    dynamodb = aws(gateway, "dynamodb")
    if TABLE not in dynamodb.list_tables()["TableNames"]:
        return []
    items = dynamodb.scan(TableName=TABLE)["Items"]
    return sorted(i["pk"]["S"] for i in items)


def wait_closed(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while port_open(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not port_open(port), f"the moto server on {port} is still running"


def test_state_survives_a_sigterm_and_a_sigkill_of_the_runtime(tmp_path: Path) -> None:
    first = start(tmp_path)
    try:
        assert f"(moto, state kept in {tmp_path / STATE_FILE})" in first.ready_line, first.ready_line
        assert "AWS state: no saved state in " in first.stderr_path.read_text(), first.output()
        arns = secret_arns(first)
        assert len(arns) == 2, arns  # the template's two, provisioned
        put(first, "before-sigterm")
        secret = aws(first, "secretsmanager").create_secret(
            Name="partner/acme/credential", SecretString="k-1"
        )["ARN"]
    finally:
        assert first.stop() == 0, first.output()  # SIGTERM: the runtime stops moto, which saves

    second = start(tmp_path)
    try:
        assert "AWS state: restored the state saved at " in second.stderr_path.read_text(), second.output()
        assert keys(second) == ["before-sigterm"]
        assert secret_arns(second) == {**arns, "partner/acme/credential": secret}  # same ARNs
        got = aws(second, "secretsmanager").get_secret_value(SecretId="partner/acme/credential")
        assert got["SecretString"] == "k-1"
        put(second, "before-sigkill")
    finally:
        second.process.kill()  # the moto child gets SIGTERM by parent-death signal and saves
        second.process.wait(10)
    wait_closed(int(second.url.aws_endpoint_url.rsplit(":", 1)[1]))

    third = start(tmp_path)
    try:
        assert keys(third) == ["before-sigkill", "before-sigterm"]
    finally:
        assert third.stop() == 0, third.output()


def test_fresh_starts_empty_and_a_damaged_state_does_not_stop_the_runtime(tmp_path: Path) -> None:
    first = start(tmp_path)
    try:
        put(first, "kept")
    finally:
        assert first.stop() == 0, first.output()
    state_file = tmp_path / STATE_FILE
    state_file.write_bytes(state_file.read_bytes()[:-50])  # cut short

    damaged = start(tmp_path)
    try:
        said = damaged.stderr_path.read_text()
        assert f"AWS state: the saved state {state_file} cannot be used: its contents are damaged" in said, (
            said
        )
        assert "starting clean" in said
        assert keys(damaged) == []
        put(damaged, "after-the-damage")
    finally:
        assert damaged.stop() == 0, damaged.output()
    assert len(list(state_file.parent.glob("moto-state.pickle.unusable-*"))) == 1

    fresh = start(tmp_path, "--fresh")
    try:
        assert "AWS state: fresh start (the saved state was moved to " in fresh.stderr_path.read_text()
        assert keys(fresh) == []
        assert len(secret_arns(fresh)) == 2  # the template's, provisioned again
    finally:
        assert fresh.stop() == 0, fresh.output()
    assert (state_file.parent / "moto-state.pickle.previous").exists()


def test_an_endpoint_already_running_keeps_its_own_state(moto_url: str, tmp_path: Path) -> None:
    port = int(moto_url.rsplit(":", 1)[1])
    gateway = launch(
        home=tmp_path,
        log_dir=tmp_path / "logs",
        template=localfn.TEMPLATE,
        stack_name="external",
        aws_port=port,
        arguments=["--fresh"],
    )
    try:
        assert "(moto, not started here, state not kept)" in gateway.ready_line
        said = gateway.stderr_path.read_text()
        assert "already running): its state is its own, neither saved nor reset by cockpit" in said, said
        assert "(--fresh does not apply to it)" in said
    finally:
        assert gateway.stop() == 0, gateway.output()
    assert not (tmp_path / STATE_FILE).exists()
