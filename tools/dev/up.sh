#!/usr/bin/env bash
# `make up STACK=dev`: everything the dev stack needs, each step skipped when already done,
# then `pulumi up` and the URL to curl. `make down STACK=dev` undoes it (tools/dev/down.sh).
# `make up` runs tools/dev/needs.sh first: what this needs, all reported before anything changes.
# shellcheck source=tools/dev/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dev_defaults

CLUSTER=${KIND_CLUSTER:-mesh-dev}
CONTEXT=kind-$CLUSTER
mkdir -p "$DEV_DIR"

step "virtualenv"
done_already "$PY, installed from requirements.lock by make (pip prints its progress when it runs)"

ensure_pulumi

step "kind cluster $CLUSTER (kubectl context $CONTEXT)"
ensure_kubectl
if "$KUBECTL" config get-contexts -o name 2>/dev/null | grep -qx "$CONTEXT"; then
  done_already "context $CONTEXT exists"
else
  ensure_kind
  echo "    creating it from tools/dev/kind-cluster.yaml (a minute or two)"
  "$KIND" create cluster --name "$CLUSTER" --config "$KIND_CONFIG" --wait 120s
  touch "$DEV_DIR/cluster-created-by-up"
fi

step "node name and address for the Avi pool"
read -r NODE_NAME NODE_IP < <("$KUBECTL" --context "$CONTEXT" get nodes \
  -o jsonpath='{.items[0].metadata.name} {.items[0].status.addresses[?(@.type=="InternalIP")].address}'; echo)
[[ -n "$NODE_NAME" && -n "$NODE_IP" ]] || die "the cluster behind $CONTEXT reports no node with an InternalIP"
echo "    $NODE_NAME $NODE_IP"

start_emulator

step "stack dev (state in $BACKEND)"
if run_pulumi stack select dev --non-interactive >/dev/null 2>&1; then
  done_already "exists"
else
  run_pulumi stack init dev --secrets-provider passphrase --non-interactive
fi

step "working copy of Pulumi.dev.yaml for this cluster ($DEV_CONFIG)"
cp "$ROOT/Pulumi.dev.yaml" "$DEV_CONFIG"
echo "    the committed file stays as it is; pulumi up --config writes into the copy"

step "pulumi up --stack dev"
run_pulumi up --stack dev --yes --non-interactive --config-file "$DEV_CONFIG" --config-path \
  --config "mesh-platform:cluster.existing.context=$CONTEXT" \
  --config "mesh-platform:edge.avi.nodes[0].name=$NODE_NAME" \
  --config "mesh-platform:edge.avi.nodes[0].address=$NODE_IP" \
  --config "mesh-platform:avi.controller=http://127.0.0.1:$EMULATOR_PORT"

step "sample app behind app1 (tools/dev/sample-app.yaml)"
if "$KUBECTL" --context "$CONTEXT" -n prod get deployment app1-service >/dev/null 2>&1; then
  done_already "deployed"
else
  "$KUBECTL" --context "$CONTEXT" apply -f "$ROOT/tools/dev/sample-app.yaml"
  "$KUBECTL" --context "$CONTEXT" -n prod rollout status deployment/app1-service --timeout=180s
fi

cat <<EOT

The dev stack is up. Its outputs:
    make outputs STACK=dev
The Avi objects live in the emulator (no data plane); the path their pool takes ends at
the ingress gateway's NodePort, published on this machine by kind. Try:
    curl -H 'Host: app1.public.domain' http://127.0.0.1:30080/get
Tear it all down with: make down STACK=dev
EOT
