"""Secret generation, CreateTable requests, `cockpit token`, and `cockpit run`'s options and defaults."""

from __future__ import annotations

import json
import string
from pathlib import Path

import jwt
import pytest

from cockpit_dev import cli, devkeys, provision, runtime
from cockpit_dev.template import GeneratedSecret, Index, Table


def test_generated_secret_json_template() -> None:
    spec = GeneratedSecret(
        template='{"cpo_token": "unset"}', key="emsp_token", length=48, exclude_punctuation=True
    )
    value = json.loads(provision.generated_value(spec))
    assert value["cpo_token"] == "unset"
    assert len(value["emsp_token"]) == 48
    assert set(value["emsp_token"]) <= set(string.ascii_letters + string.digits)
    assert json.loads(provision.generated_value(spec))["emsp_token"] != value["emsp_token"]


def test_generated_password_rules() -> None:
    spec = GeneratedSecret(length=64, exclude_uppercase=True, exclude_numbers=True, exclude_characters="abc")
    password = provision.generated_value(spec)
    assert len(password) == 64
    assert not set(password) & set(string.ascii_uppercase + string.digits + "abc")
    assert set(password) & set(string.punctuation)  # each included type appears
    with pytest.raises(ValueError, match="excludes every character"):
        provision.random_password(
            GeneratedSecret(
                exclude_lowercase=True, exclude_uppercase=True, exclude_numbers=True, exclude_punctuation=True
            )
        )


def test_table_request() -> None:
    table = Table(
        logical_id="T",
        name="stk-T",
        key_schema=(("pk", "HASH"), ("sk", "RANGE")),
        attributes={"pk": "S", "sk": "S", "owner": "S"},
        global_indexes=(Index("by-owner", (("owner", "HASH"),), {"ProjectionType": "ALL"}),),
        ttl_attribute="expires_at",
    )
    request = provision.table_request(table)
    assert request["TableName"] == "stk-T"
    assert request["BillingMode"] == "PAY_PER_REQUEST"
    assert request["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert request["GlobalSecondaryIndexes"][0]["IndexName"] == "by-owner"
    assert "LocalSecondaryIndexes" not in request


def test_token_command_prints_a_dev_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COCKPIT_HOME", str(tmp_path))
    assert cli.main(["token", "--role", "partner", "--sub", "acme", "--ttl", "60"]) == 0
    printed = capsys.readouterr().out.strip()
    key = jwt.PyJWK(devkeys.jwks(tmp_path)["keys"][0])
    claims = jwt.decode(printed, key.key, algorithms=["RS256"], audience=devkeys.DEV_AUDIENCE)
    assert (claims["role"], claims["sub"], claims["exp"] - claims["iat"]) == ("partner", "acme", 60)


def test_token_command_rejects_unknown_roles(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["token", "--role", "root", "--sub", "x"])
    assert "invalid choice" in capsys.readouterr().err


def test_run_options() -> None:
    args = cli.parser().parse_args(
        [
            "run",
            "--port",
            "4000",
            "--parameter",
            "ChargingProvider=ocpi",
            "--parameter",
            "OcpiVersionUrl=http://x/?a=b",
        ]
    )
    options = runtime.options_from(args)
    assert (options.port, options.lambda_port, options.aws_port) == (4000, 3001, 4566)
    assert options.parameters == {"ChargingProvider": "ocpi", "OcpiVersionUrl": "http://x/?a=b"}
    assert options.stack_name == "cockpit-local"
    assert options.template == Path("template.yaml")
    assert options.fresh is False
    assert runtime.options_from(cli.parser().parse_args(["run", "--fresh"])).fresh is True
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["run", "--parameter", "no-equals-sign"])


def test_run_help_says_where_the_state_is_kept_and_how_to_start_clean(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["run", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "--fresh start with empty AWS state" in shown
    assert ".cockpit/aws/moto-state.pickle" in shown


def test_local_parameter_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCKPIT_HOME", str(tmp_path))
    declared = ["DevelopmentMode", "JwksJson", "PublicBaseUrl", "StageName"]
    values = runtime.local_parameters(declared, 3999, {"StageName": "dev"})
    assert values["DevelopmentMode"] == "true"
    assert values["PublicBaseUrl"] == "http://127.0.0.1:3999"
    assert json.loads(values["JwksJson"]) == devkeys.jwks(tmp_path)
    assert values["StageName"] == "dev"
    overridden = runtime.local_parameters(declared, 3999, {"DevelopmentMode": "false", "PublicBaseUrl": ""})
    assert (overridden["DevelopmentMode"], overridden["PublicBaseUrl"]) == ("false", "")
    assert runtime.local_parameters(["Other"], 3000, {}) == {}  # only what the template declares
