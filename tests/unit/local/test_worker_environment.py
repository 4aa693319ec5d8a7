"""A worker's environment is built like Lambda's, not inherited from the developer's shell."""

from __future__ import annotations

from cockpit_dev.lambda_auth import LocalCredential
from cockpit_dev.pool import function_environment
from cockpit_dev.template import load_template
from tests.support import localfn

FUNCTION = load_template(localfn.TEMPLATE).functions["AppFunction"]
SHELL = {
    "PATH": "/venv/bin:/usr/bin",
    "VIRTUAL_ENV": "/venv",
    "COCKPIT_HOME": "/opt/devbox/.cockpit",
    "HOME": "/opt/devbox",
    "AWS_PROFILE": "production",
    "AWS_ACCESS_KEY_ID": "AKIAREALKEY",
    "AWS_ENDPOINT_URL_S3": "http://elsewhere",
    "SHARED_VAR": "from-the-shell",
    "SOMETHING_LOCAL": "1",
}


def environment() -> dict[str, str]:
    return function_environment(
        FUNCTION, aws_url="http://aws", lambda_url="http://lambda", region="eu-west-1", base=SHELL
    )


def test_only_the_template_lambda_and_the_process_needs_get_through() -> None:
    env = environment()
    assert {k: env[k] for k in ("PATH", "VIRTUAL_ENV", "COCKPIT_HOME")} == {
        "PATH": "/venv/bin:/usr/bin",
        "VIRTUAL_ENV": "/venv",
        "COCKPIT_HOME": "/opt/devbox/.cockpit",
    }
    assert not {"HOME", "AWS_PROFILE", "AWS_ENDPOINT_URL_S3", "SOMETHING_LOCAL"} & set(env)
    assert env["SHARED_VAR"] == "from-function"  # the template's value, not the shell's
    assert env["AWS_ACCESS_KEY_ID"] == "testing"  # never the developer's credentials
    assert "AWS_SESSION_TOKEN" not in env


def test_the_runtime_gives_its_own_credential_to_every_worker() -> None:
    key = LocalCredential("CKPLOCALABC", "s3cr3t")
    env = function_environment(
        FUNCTION, aws_url="http://aws", lambda_url="http://lambda", region="eu-west-1", base=SHELL,
        credentials=key.environment(),
    )  # fmt: skip
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == ("CKPLOCALABC", "s3cr3t")
    assert set(FUNCTION.environment) <= set(env)


def test_lambdas_reserved_variables() -> None:
    env = environment()
    assert {k: env[k] for k in ("AWS_REGION", "AWS_DEFAULT_REGION", "TZ", "LANG")} == {
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
    }
    assert (env["AWS_ENDPOINT_URL"], env["AWS_ENDPOINT_URL_LAMBDA"]) == ("http://aws", "http://lambda")
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "AppFunction"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/AppFunction"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"].startswith(tuple("0123456789"))
    assert env["LAMBDA_TASK_ROOT"] == str(FUNCTION.code_uri)
