# Cockpit Gateway - `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.13, as the functions run it: the newest 3.13.x pyenv has, else python3.13 on PATH.
PYENV_313 := $(shell pyenv versions --bare 2>/dev/null | grep -E '^3\.13\.[0-9]+$$' | sort -t. -k3 -n | tail -1)
PYTHON ?= $(or $(if $(PYENV_313),$(shell PYENV_VERSION=$(PYENV_313) pyenv which python3.13 2>/dev/null)),python3.13)
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: what running needs (make run, chat, demo, token), then the dev tools (make test, lint, ...).
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed
AWS_REGION ?= us-east-1
# Unit and functional suites run in parallel processes (pytest-xdist); integration and e2e stay serial.
TEST_WORKERS ?= 2
export AWS_DEFAULT_REGION ?= $(AWS_REGION)
# SAM CLI: no telemetry, no update checks on a closed network.
export SAM_CLI_TELEMETRY := 0
export SAM_CLI_DISABLE_VERSION_CHECK := 1
# The deployed runtime, as template.yaml's Globals declare it (a unit test keeps the two in step): CPython
# version and the wheel platform tags its architecture and glibc accept (python3.13 runs on Amazon Linux
# 2023, glibc 2.34: manylinux 2_34 and older; arm64 is aarch64).
LAMBDA_PYTHON := 3.13
LAMBDA_PLATFORMS := manylinux2014_aarch64 manylinux_2_17_aarch64 manylinux_2_28_aarch64 manylinux_2_34_aarch64
# What layers/cockpit/Makefile uses under `sam build` (it installs wheels for the deployed runtime).
export COCKPIT_PIP := $(CURDIR)/$(BIN)/python -m pip
export COCKPIT_LAYER_PYTHON := $(LAMBDA_PYTHON)
export COCKPIT_LAYER_PLATFORMS := $(LAMBDA_PLATFORMS)
# sam build's Python workflow runs `python3.13` from PATH: the venv's.
SAM := PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/sam
# The artifact test runs the built code on this machine, so it builds for this machine's architecture
# (binary wheels included); `make build` builds for the deployed one, checked by `make wheels-check`.
HOST_ARCH := $(if $(filter aarch64 arm64,$(shell uname -m)),arm64,x86_64)
HOST_WHEEL_ARCH := $(if $(filter arm64,$(HOST_ARCH)),aarch64,x86_64)
HOST_PLATFORMS := $(foreach tag,manylinux2014 manylinux_2_17 manylinux_2_28 manylinux_2_34,$(tag)_$(HOST_WHEEL_ARCH))
LAMBDA_RUNTIME_SDK := .aws-sam/lambda-runtime

.PHONY: help install run chat demo token test lint typecheck unit functional integration e2e template-check \
        openapi catalog bench bench-smoke build host-build artifacts wheels-check deploy localstack-up localstack-deploy localstack-e2e clean \
        browser screenshots

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(RUN_STAMP): requirements-run.txt requirements.lock layers/cockpit/requirements.txt layers/cockpit/requirements-tracing.txt $(wildcard functions/*/requirements.txt) pyproject.toml
	@# Progress goes to stderr, so that TOKEN=$$(make -s token) on a fresh clone captures the token only.
	@echo "==> Installing what running needs into $(VENV) (first time only; make test adds the dev tools)" >&2
	@# A new venv only when there is none of this Python: after a requirements change pip brings the pins
	@# into step in place, so a run or a test using the venv meanwhile is not pulled from under it.
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null \
		|| $(PYTHON) -m venv --clear $(VENV) >&2
	@$(BIN)/python -m pip install --quiet --upgrade pip==26.3 >&2
	@$(BIN)/python -m pip install --progress-bar on -r requirements-run.txt -c requirements.lock >&2
	@$(BIN)/python -m pip install --quiet --no-deps -e . >&2
	@touch $(RUN_STAMP)
	@echo "==> $(VENV) is ready to run" >&2

$(STAMP): $(RUN_STAMP) requirements-dev.txt
	@echo "==> Adding the development tools to $(VENV) (pytest, ruff, mypy, cfn-lint, SAM CLI)" >&2
	$(BIN)/python -m pip install --progress-bar on -r requirements-dev.txt -c requirements.lock
	touch $(STAMP)

install: $(STAMP) ## Create .venv with the pinned dependencies, dev tools included

# Other ports when the defaults are taken: make run API_PORT=3100 LAMBDA_PORT=3101 AWS_PORT=4600, then
# make chat API_PORT=3100.
RUN_PORTS = $(if $(API_PORT),--port $(API_PORT)) $(if $(LAMBDA_PORT),--lambda-port $(LAMBDA_PORT)) \
	$(if $(AWS_PORT),--aws-port $(AWS_PORT))

run: $(RUN_STAMP) ## Run the whole gateway locally (no Docker): API :3000, Lambda :3001, AWS :4566 (API_PORT=, LAMBDA_PORT=, AWS_PORT=); FRESH=1: empty AWS state
	$(BIN)/cockpit run $(strip $(RUN_PORTS) $(if $(filter 1 yes true,$(FRESH)),--fresh))

chat: $(RUN_STAMP) ## Talk to the assistant of a running `make run` from the terminal (API_PORT= if not 3000)
	@$(BIN)/cockpit chat $(if $(API_PORT),--url http://127.0.0.1:$(API_PORT))

demo: $(RUN_STAMP) ## A scripted conversation with the assistant (offline planner) on its own local runtime, printed
	@$(BIN)/cockpit demo

token: $(RUN_STAMP) ## Print a development token: make token ROLE=vehicle SUB=vin-demo
	@$(BIN)/cockpit token --role $(or $(ROLE),vehicle) --sub $(or $(SUB),vin-demo)

test: lint typecheck template-check build artifacts bench-smoke wheels-check unit functional integration e2e browser ## Everything CI checks

lint: $(STAMP) ## ruff (style, complexity, security rules), import-linter (the layering in pyproject.toml), the tool catalog is what the declarations generate
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m cockpit_dev.catalog --check

typecheck: $(STAMP) ## mypy strict on layers/, functions/, dev/ and bench/
	$(BIN)/mypy

template-check: $(STAMP) ## cfn-lint on template.yaml and on what CloudFormation receives (packaged + SAM transform)
	$(BIN)/cfn-lint template.yaml
	$(BIN)/sam validate --lint --template template.yaml --region $(AWS_REGION)
	$(BIN)/python -m cockpit_dev.stack --template template.yaml --output .aws-sam/transformed.json

unit: $(STAMP) ## Pure logic, sockets off
	$(BIN)/pytest -q -n $(TEST_WORKERS) tests/unit

functional: $(STAMP) ## Handlers in-process with moto and httpx mock transports
	$(BIN)/pytest -q -n $(TEST_WORKERS) tests/functional

integration: $(STAMP) ## Against an AWS endpoint (moto server on 127.0.0.1:4566 unless one answers there)
	$(BIN)/pytest -q tests/integration

e2e: $(STAMP) ## Over HTTP against the local runtime (or COCKPIT_E2E_URL); npm ci for the TypeScript MCP client
	npm ci --prefix tests/e2e/mcp_ts --no-audit --no-fund --loglevel=error
	$(BIN)/pytest -q tests/e2e --ignore=tests/e2e/browser

browser: $(STAMP) ## The head-unit page, partner console and API docs in Chromium (/usr/bin/chromium) via Playwright
	$(BIN)/pytest -q tests/e2e/browser

screenshots: $(STAMP) ## Refresh the pages' screenshots in docs/screenshots/ (the browser tests, saving them)
	COCKPIT_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/e2e/browser

catalog: $(RUN_STAMP) ## Regenerate the tool catalog (layers/cockpit/cockpit/catalog/*.json) from each function's tools.py
	$(BIN)/python -m cockpit_dev.catalog

openapi: $(RUN_STAMP) ## Regenerate docs/openapi.json from the code
	$(BIN)/cockpit openapi --output docs/openapi.json --output layers/cockpit/cockpit/openapi.json

bench: host-build $(LAMBDA_RUNTIME_SDK)/.installed ## Router overhead vs a raw pydantic handler, cold imports and the cold path of a tool call, DynamoDB calls
	$(BIN)/python -m bench
	$(BIN)/python bench/cold_path.py

bench-smoke: host-build $(LAMBDA_RUNTIME_SDK)/.installed ## Every bench scenario once with few rounds, no goals (in make test: the bench cannot break silently)
	$(BIN)/python -m bench --smoke
	$(BIN)/python bench/cold_path.py --rounds 1

build: $(STAMP) ## sam build for the deployed runtime (python3.13, arm64; no Docker needed), with .pyc shipped
	$(SAM) build --template template.yaml
	$(BIN)/python -m compileall -q --invalidation-mode unchecked-hash .aws-sam/build


$(LAMBDA_RUNTIME_SDK)/.installed: tests/artifacts/lambda-runtime.txt $(STAMP)
	rm -rf $(LAMBDA_RUNTIME_SDK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --target $(LAMBDA_RUNTIME_SDK) \
		-r tests/artifacts/lambda-runtime.txt
	touch $@

host-build: $(STAMP) ## sam build for this machine's architecture into .aws-sam/host (for `make artifacts` and `make bench`)
	mkdir -p .aws-sam
	sed -E '/Architectures:/ s/arm64|x86_64/$(HOST_ARCH)/g' template.yaml > .aws-sam/template-host.yaml
	COCKPIT_LAYER_PLATFORMS="$(HOST_PLATFORMS)" $(SAM) build --template .aws-sam/template-host.yaml \
		--base-dir . --build-dir .aws-sam/host
	$(BIN)/python -m compileall -q --invalidation-mode unchecked-hash .aws-sam/host

artifacts: host-build $(LAMBDA_RUNTIME_SDK)/.installed ## Import and call every built function as Lambda runs it (tracing on and off)
	$(BIN)/pytest -q -n $(TEST_WORKERS) tests/artifacts

WHEELS_DIR := .aws-sam/wheels
PIP_WHEELS = $(BIN)/python -m pip download --quiet --disable-pip-version-check --only-binary=:all: \
	--implementation cp --python-version $(LAMBDA_PYTHON) $(foreach p,$(LAMBDA_PLATFORMS),--platform $(p)) \
	--dest $(WHEELS_DIR)

wheels-check: $(STAMP) ## Every layer and function dependency has a wheel for the deployed runtime's platform
	rm -rf $(WHEELS_DIR)
	$(PIP_WHEELS) -r layers/cockpit/requirements.txt
	$(PIP_WHEELS) --no-deps -r layers/cockpit/requirements-tracing.txt
	for requirements in functions/*/requirements.txt; do $(PIP_WHEELS) -r $$requirements || exit 1; done
	@echo "binary wheels for CPython $(LAMBDA_PYTHON) on $(LAMBDA_PLATFORMS):"
	@ls $(WHEELS_DIR) | grep -v -- '-none-any.whl$$' | sed 's/^/  /'

deploy: build ## Guided SAM deploy to your AWS account (profile in samconfig.toml)
	$(BIN)/sam deploy --guided --config-env aws

localstack-up: ## Start LocalStack with Docker (needs LOCALSTACK_AUTH_TOKEN)
	docker compose up -d localstack

LOCALSTACK_URL ?= http://127.0.0.1:4566
# NAME=VALUE template parameters for localstack-deploy; JwksUrl (LocalStack) is required there, while the
# moto path defaults JwksJson to the dev key's JWKS.
DEPLOY_PARAMETERS ?=

localstack-deploy: build ## LocalStack (Docker + token): sam deploy. Without it: create the stack on moto's CloudFormation
	@if $(BIN)/python -c "import urllib.request; urllib.request.urlopen('$(LOCALSTACK_URL)/_localstack/health', timeout=3)" 2>/dev/null; then \
		AWS_ENDPOINT_URL=$(LOCALSTACK_URL) AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
			$(BIN)/sam deploy --config-env localstack \
			--parameter-overrides "StageName=live ChargingProvider=sandbox DevelopmentMode=true $(DEPLOY_PARAMETERS)"; \
	else \
		echo "No LocalStack at $(LOCALSTACK_URL) (LocalStack needs Docker and LOCALSTACK_AUTH_TOKEN): creating the"; \
		echo "packaged, transformed stack on moto's CloudFormation there instead (its functions and API cannot run)."; \
		AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test $(BIN)/python -m cockpit_dev.stack \
			--template .aws-sam/build/template.yaml --deploy-to $(LOCALSTACK_URL) --start-moto --stack-name cockpit-gateway-local-$$$$ \
			$(addprefix --parameter ,$(DEPLOY_PARAMETERS)); \
	fi

localstack-e2e: $(STAMP) ## Run the e2e suite against the LocalStack deployment: COCKPIT_E2E_URL=...
	$(BIN)/pytest -q tests/e2e --ignore=tests/e2e/browser

clean: ## Remove build output and caches (keeps .venv and dev keys)
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
