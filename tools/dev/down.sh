#!/usr/bin/env bash
# `make down STACK=dev`: destroy the dev stack, stop the emulator `make up` started, and
# delete the kind cluster if `make up` created it (KEEP_CLUSTER=1 keeps it).
# shellcheck source=tools/dev/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dev_defaults

CLUSTER=${KIND_CLUSTER:-mesh-dev}
EMULATOR_PID=$DEV_DIR/avi-emulator.pid

ensure_pulumi

step "pulumi destroy --stack dev"
if run_pulumi stack select dev --non-interactive >/dev/null 2>&1; then
  config=()
  if [[ -f "$DEV_CONFIG" ]]; then config=(--config-file "$DEV_CONFIG"); fi
  run_pulumi destroy --stack dev --yes --non-interactive ${config[@]+"${config[@]}"}
else
  done_already "no dev stack in $BACKEND"
fi

step "Avi Controller emulator"
if [[ -f "$EMULATOR_PID" ]] && kill -0 "$(cat "$EMULATOR_PID")" 2>/dev/null; then
  kill "$(cat "$EMULATOR_PID")"
  for _ in $(seq 50); do kill -0 "$(cat "$EMULATOR_PID")" 2>/dev/null || break; sleep 0.1; done
  echo "    stopped (pid $(cat "$EMULATOR_PID")); its state file stays in $DEV_DIR"
else
  done_already "not running"
fi
rm -f "$EMULATOR_PID"

step "kind cluster $CLUSTER"
if [[ -f "$DEV_DIR/cluster-created-by-up" && -z "${KEEP_CLUSTER:-}" ]]; then
  ensure_kind
  "$KIND" delete cluster --name "$CLUSTER"
  rm -f "$DEV_DIR/cluster-created-by-up"
else
  done_already "kept (make up did not create it, or KEEP_CLUSTER is set)"
fi
