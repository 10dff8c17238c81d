#!/usr/bin/env bash
# `make down STACK=dev`: destroy the dev stack, stop the emulator `make up` started, and
# delete the kind cluster if `make up` created it (KEEP_CLUSTER=1 keeps it).
# shellcheck source=tools/dev/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dev_defaults

CLUSTER=${KIND_CLUSTER:-mesh-dev}

ensure_pulumi

step "pulumi destroy --stack dev"
if run_pulumi stack select dev --non-interactive >/dev/null 2>&1; then
  # Deleting the Avi objects needs the controller: start the emulator if it is not running.
  start_emulator
  config=()
  if [[ -f "$DEV_CONFIG" ]]; then config=(--config-file "$DEV_CONFIG"); fi
  run_pulumi destroy --stack dev --yes --non-interactive ${config[@]+"${config[@]}"}
else
  done_already "no dev stack in $BACKEND"
fi

stop_emulator

step "kind cluster $CLUSTER"
if [[ -f "$DEV_DIR/cluster-created-by-up" && -z "${KEEP_CLUSTER:-}" ]]; then
  ensure_kind
  "$KIND" delete cluster --name "$CLUSTER"
  rm -f "$DEV_DIR/cluster-created-by-up"
else
  done_already "kept (make up did not create it, or KEEP_CLUSTER is set)"
fi
