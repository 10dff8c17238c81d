#!/usr/bin/env bash
# `make preview|up|refresh|destroy STACK=<name>`: one Pulumi command for one stack.
# The dev stack gets its local backend, passphrase and working copy of its config and
# runs without a prompt; any other stack keeps Pulumi's confirmation prompt unless YES=1.
# BACKEND, when given, is passed as PULUMI_BACKEND_URL for this command only.
# shellcheck source=tools/dev/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COMMAND=${1:?usage: stack.sh preview|up|refresh|destroy|outputs STACK}
STACK=${2:?usage: stack.sh preview|up|refresh|destroy|outputs STACK}
args=(--stack "$STACK")

if [[ "$STACK" == dev ]]; then
  dev_defaults
else
  PASSPHRASE=
fi

ensure_pulumi
if [[ "$COMMAND" == outputs ]]; then
  step "pulumi stack output --stack $STACK"
  run_pulumi stack output --stack "$STACK"
  exit
fi
if [[ "$STACK" == dev ]]; then
  if [[ -f "$DEV_CONFIG" ]]; then args+=(--config-file "$DEV_CONFIG"); fi
  if [[ "$COMMAND" != preview ]]; then args+=(--yes); fi
elif [[ "$COMMAND" != preview && "${YES:-}" == 1 ]]; then
  args+=(--yes)
fi
if [[ "$COMMAND" == preview ]]; then args+=(--diff); fi
step "pulumi $COMMAND ${args[*]}"
run_pulumi "$COMMAND" "${args[@]}"
