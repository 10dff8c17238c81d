# shellcheck shell=bash
# Shared by tools/dev/*.sh: where things live, step messages, and the command-line tools
# (PULUMI=, KUBECTL=, KIND= name one by hand; else the one on PATH; else a copy installed
# inside the project, .tools/). Nothing here changes anything outside the project directory.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Pulumi finds the project (Pulumi.yaml) and Python finds tools.* from here.
cd "$ROOT"
TOOLS_DIR=${TOOLS_DIR:-$ROOT/.tools}
DEV_DIR=${DEV_DIR:-$ROOT/.dev}
PY=${PY:-$ROOT/.venv/bin/python}

# Pinned versions: the Pulumi CLI matches the pulumi SDK in requirements.lock; kubectl
# matches the node image of tools/dev/kind-cluster.yaml.
PULUMI_VERSION=${PULUMI_VERSION:-3.272.0}
KIND_VERSION=${KIND_VERSION:-v0.32.0}
KUBECTL_VERSION=${KUBECTL_VERSION:-v1.36.1}
PULUMI_DOWNLOAD=${PULUMI_DOWNLOAD:-https://github.com/pulumi/pulumi/releases/download}
KIND_DOWNLOAD=${KIND_DOWNLOAD:-https://github.com/kubernetes-sigs/kind/releases/download}
KUBECTL_DOWNLOAD=${KUBECTL_DOWNLOAD:-https://dl.k8s.io/release}
# The sha256 of each of those downloads, committed: a release asset replaced at its source
# fails the check, which a checksum file fetched from the same place would not catch.
TOOL_CHECKSUMS=${TOOL_CHECKSUMS:-$ROOT/tools/dev/checksums.txt}

# The kind cluster `make up STACK=dev` creates, with the host ports it publishes.
KIND_CONFIG=${KIND_CONFIG:-$ROOT/tools/dev/kind-cluster.yaml}

step() { printf '==> %s\n' "$*"; }
done_already() { printf '    %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
# Something the command needs is missing: one line saying what, why and how; nothing changed.
refuse() { printf 'error: %s\n' "$*" >&2; exit 2; }

_os() {
  case "$(uname -s)" in
    Linux) echo linux ;;
    Darwin) echo darwin ;;
    *) return 1 ;;
  esac
}

_arch() {  # $1: the name the project uses for x86-64 (x64 or amd64)
  case "$(uname -m)" in
    x86_64 | amd64) echo "$1" ;;
    aarch64 | arm64) echo arm64 ;;
    *) return 1 ;;
  esac
}

# Runs a command for at most $1 seconds; its status, or 124 when it was stopped. The polling
# loop is bounded by the limit, so a hung `docker info` or `pulumi version` cannot hang make.
run_bounded() {
  local limit=$1 pid tenths=0
  shift
  "$@" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if ((tenths >= limit * 10)); then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      return 124
    fi
    sleep 0.1
    tenths=$((tenths + 1))
  done
  wait "$pid"
}

_download() {  # url file; a failed download leaves no file behind
  local status=0
  if command -v curl >/dev/null 2>&1; then
    curl -fL --progress-bar -o "$2" "$1" || status=$?
  elif command -v wget >/dev/null 2>&1; then
    wget -q --show-progress -O "$2" "$1" || status=$?
  else
    refuse "curl or wget: neither is installed; make downloads $1 with one of them; install curl"
  fi
  if ((status != 0)); then
    rm -f "$2"
    die "could not download $1"
  fi
}

_sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

_verify() {  # file expected-sha256; a file that does not match is removed
  local actual
  actual=$(_sha256 "$1")
  if [[ "$actual" != "$2" ]]; then
    rm -f "$1"
    die "checksum mismatch for $(basename "$1"): got $actual, $TOOL_CHECKSUMS has $2; the download was removed, nothing installed"
  fi
}

# The version a Pulumi CLI reports (X.Y.Z), empty when it does not answer within 20 s.
pulumi_cli_version() {
  local out
  out=$(PULUMI_SKIP_UPDATE_CHECK=true run_bounded 20 "$1" version 2>/dev/null) || true
  [[ "$out" =~ ([0-9]+)\.([0-9]+)\.([0-9]+) ]] && echo "${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.${BASH_REMATCH[3]}"
  return 0
}

# True when a Pulumi CLI of version X.Y.Z can run this program: the same major version as the
# locked SDK (PULUMI_VERSION) and not older. That is the check the SDK's Automation API makes
# of a CLI it finds (pulumi/automation/_cmd.py, _parse_and_validate_pulumi_version), with the
# locked SDK as the minimum: an older engine may lack what this SDK asks of it.
pulumi_version_fits() {
  local have want
  IFS=. read -r -a have <<<"$1"
  IFS=. read -r -a want <<<"$PULUMI_VERSION"
  ((${#have[@]} == 3)) || return 1
  ((have[0] == want[0])) || return 1
  ((have[1] > want[1] || (have[1] == want[1] && have[2] >= want[2])))
}

_tool_problem() {  # what state why how: the one line a missing tool is reported with
  TOOL_PROBLEM="$1: $2; $3; $4"
}

# Decides, changing nothing, where a tool (pulumi, kubectl or kind) comes from, in this
# order: the PULUMI= / KUBECTL= / KIND= override, the one on PATH (for Pulumi only when its
# version fits), the project's copy in .tools/, a download checked against its committed
# checksum. Sets TOOL_EXE (what to run; empty when it has to be downloaded), TOOL_NOTE (where
# it comes from, for messages), TOOL_URL and TOOL_SHA256 (the download, when one is needed),
# TOOL_DEST (where the download goes), TOOL_IGNORED (a Pulumi on PATH passed over, and why) and
# TOOL_PROBLEM (one line, empty when the tool can be had).
plan_tool() {
  local tool=$1 var label dest why how on_path version os arch asset ignored=
  TOOL_EXE='' TOOL_NOTE='' TOOL_URL='' TOOL_SHA256='' TOOL_DEST='' TOOL_PROBLEM='' TOOL_IGNORED=''
  case $tool in
    pulumi)
      var=PULUMI label="Pulumi CLI" dest=$TOOLS_DIR/pulumi-v$PULUMI_VERSION/pulumi/pulumi
      why="make runs every Pulumi command (preview, up, destroy) with it"
      how="install Pulumi $PULUMI_VERSION or a newer ${PULUMI_VERSION%%.*}.x (https://www.pulumi.com/docs/install/) and put it on PATH, or set PULUMI=/path/to/pulumi" ;;
    kubectl)
      var=KUBECTL label="kubectl $KUBECTL_VERSION" dest=$TOOLS_DIR/bin/kubectl-$KUBECTL_VERSION
      why="make up reads the kind node's address and deploys the sample app with it"
      how="put kubectl on PATH (https://kubernetes.io/docs/tasks/tools/) or set KUBECTL=/path/to/kubectl" ;;
    kind)
      var=KIND label="kind $KIND_VERSION" dest=$TOOLS_DIR/bin/kind-$KIND_VERSION
      why="make up creates the dev cluster with it"
      how="put kind on PATH (https://kind.sigs.k8s.io/docs/user/quick-start/#installation) or set KIND=/path/to/kind" ;;
    *) die "plan_tool: unknown tool $tool" ;;
  esac
  local override=${!var:-}
  if [[ -n "$override" ]]; then
    if [[ ! -f "$override" || ! -x "$override" ]]; then
      _tool_problem "$label" "$var=$override is not an executable file" "$why" "point $var at the executable, or unset it to use the one on PATH"
    elif [[ $tool == pulumi ]] && version=$(pulumi_cli_version "$override") && ! pulumi_version_fits "$version"; then
      _tool_problem "$label" "PULUMI=$override reports version ${version:-none}, and the locked pulumi SDK $PULUMI_VERSION (requirements.lock) needs $PULUMI_VERSION or a newer ${PULUMI_VERSION%%.*}.x" "$why" "point PULUMI at such a CLI (https://www.pulumi.com/docs/install/), or unset it"
    else
      TOOL_EXE=$override TOOL_NOTE="$override ($var=)"
    fi
    return 0
  fi
  on_path=$(command -v "$tool" 2>/dev/null || true)
  if [[ -n "$on_path" ]]; then
    if [[ $tool != pulumi ]]; then
      TOOL_EXE=$on_path TOOL_NOTE="$on_path from PATH"
      return 0
    fi
    version=$(pulumi_cli_version "$on_path")
    if pulumi_version_fits "$version"; then
      TOOL_EXE=$on_path TOOL_NOTE="$on_path from PATH (v$version)"
      return 0
    fi
    ignored="$on_path on PATH reports version ${version:-none}, and the locked pulumi SDK $PULUMI_VERSION (requirements.lock) needs $PULUMI_VERSION or a newer ${PULUMI_VERSION%%.*}.x"
    TOOL_IGNORED=$ignored
  fi
  if [[ -x "$dest" ]]; then
    TOOL_EXE=$dest TOOL_NOTE="the project's copy, $dest${ignored:+ (not $ignored)}"
    return 0
  fi
  if ! os=$(_os); then
    _tool_problem "$label" "${ignored:-not on PATH}, and there is no download for $(uname -s)" "$why" "$how"
    return 0
  fi
  if ! arch=$(_arch "$([[ $tool == pulumi ]] && echo x64 || echo amd64)"); then
    _tool_problem "$label" "${ignored:-not on PATH}, and there is no download for the CPU $(uname -m)" "$why" "$how"
    return 0
  fi
  case $tool in
    pulumi)
      asset="pulumi-v$PULUMI_VERSION-$os-$arch"
      TOOL_URL=$PULUMI_DOWNLOAD/v$PULUMI_VERSION/$asset.tar.gz ;;
    kubectl)
      asset="kubectl-$KUBECTL_VERSION-$os-$arch"
      TOOL_URL=$KUBECTL_DOWNLOAD/$KUBECTL_VERSION/bin/$os/$arch/kubectl ;;
    kind)
      asset="kind-$KIND_VERSION-$os-$arch"
      TOOL_URL=$KIND_DOWNLOAD/$KIND_VERSION/kind-$os-$arch ;;
  esac
  TOOL_SHA256=$(awk -v name="$asset" '!/^#/ && $2 == name {print $1}' "$TOOL_CHECKSUMS" 2>/dev/null || true)
  if [[ "$TOOL_SHA256" =~ ^[0-9a-f]{64}$ ]]; then
    TOOL_DEST=$dest
    TOOL_NOTE="${ignored:+$ignored: not used; }downloaded into $dest, checked against its committed sha256"
    return 0
  fi
  # A missing line, or one marked "unverified" because no published value could be checked.
  TOOL_URL='' TOOL_SHA256=''
  _tool_problem "$label" "${ignored:-not on PATH}, no copy in $(dirname "$dest"); no verified checksum for $asset in $TOOL_CHECKSUMS, so it is not downloaded" \
    "$why" "$how (or add '<sha256>  $asset' to that file from the release's published checksums)"
}

# Sets PULUMI to the CLI to use (plan_tool's choice), downloading the project's pinned copy
# (.tools/pulumi-vX/pulumi/) from the official release when that is the choice.
ensure_pulumi() {
  step "Pulumi CLI"
  plan_tool pulumi
  [[ -z "$TOOL_PROBLEM" ]] || refuse "$TOOL_PROBLEM"
  if [[ -n "$TOOL_EXE" ]]; then
    PULUMI=$TOOL_EXE
    done_already "using $TOOL_NOTE"
  else
    PULUMI=$TOOL_DEST
    local dir=${TOOL_DEST%/pulumi/pulumi}
    if [[ -n "$TOOL_IGNORED" ]]; then done_already "not using $TOOL_IGNORED"; fi
    echo "    installing Pulumi $PULUMI_VERSION into $dir (not on PATH: nothing global changes)"
    mkdir -p "$TOOLS_DIR"
    _download "$TOOL_URL" "$dir.tar.gz.partial"
    _verify "$dir.tar.gz.partial" "$TOOL_SHA256"
    rm -rf "$dir.partial" && mkdir "$dir.partial"
    tar -xzf "$dir.tar.gz.partial" -C "$dir.partial"
    rm -f "$dir.tar.gz.partial"
    rm -rf "$dir" && mv "$dir.partial" "$dir"
  fi
  # The CLI finds its language hosts next to itself or on PATH.
  PATH="$(dirname "$PULUMI"):$PATH"
}

# Sets the variable named $2 to a single-file tool (kubectl, kind): plan_tool's choice,
# downloaded, checked against its committed checksum and made executable when that is it.
_ensure_binary() {  # tool variable
  plan_tool "$1"
  [[ -z "$TOOL_PROBLEM" ]] || refuse "$TOOL_PROBLEM"
  local exe=$TOOL_EXE
  if [[ -z "$exe" ]]; then
    exe=$TOOL_DEST
    echo "    installing $1 into $(dirname "$exe")"
    mkdir -p "$(dirname "$exe")"
    _download "$TOOL_URL" "$exe.partial"
    _verify "$exe.partial" "$TOOL_SHA256"
    chmod +x "$exe.partial" && mv "$exe.partial" "$exe"
  fi
  printf -v "$2" '%s' "$exe"
}

# Sets KUBECTL: KUBECTL=, else the one on PATH, else a pinned copy in .tools/bin.
ensure_kubectl() { _ensure_binary kubectl KUBECTL; }

# Sets KIND: KIND=, else the one on PATH, else a pinned copy in .tools/bin.
ensure_kind() { _ensure_binary kind KIND; }

# Runs the Pulumi CLI with a backend and passphrase for this one command only (never
# `pulumi login`, which would switch the user's global backend). BACKEND and PASSPHRASE
# come from the caller; when empty, the user's own login and environment are in charge.
run_pulumi() {
  local vars=()
  if [[ -n "${BACKEND:-}" ]]; then
    if [[ "$BACKEND" == file://* ]]; then mkdir -p "${BACKEND#file://}"; fi
    vars+=("PULUMI_BACKEND_URL=$BACKEND")
  fi
  if [[ -n "${PASSPHRASE:-}" ]]; then vars+=("PULUMI_CONFIG_PASSPHRASE=$PASSPHRASE"); fi
  env ${vars[@]+"${vars[@]}"} "$PULUMI" "$@"
}

# The dev stack's defaults: state in the project, the documented dev-only passphrase, and
# the local Avi Controller emulator (the password it accepts is the one Pulumi.dev.yaml
# carries encrypted).
dev_defaults() {
  BACKEND=${BACKEND:-file://$ROOT/.pulumi-state}
  PASSPHRASE=${DEV_PASSPHRASE:-mesh-platform-dev}
  DEV_CONFIG=$DEV_DIR/Pulumi.dev.yaml
  EMULATOR_PORT=${EMULATOR_PORT:-9443}
  EMULATOR_PID=$DEV_DIR/avi-emulator.pid
  EMULATOR_PASSWORD=dev-emulator-password
}

# True while PID is a live emulator (not a reused pid, not an exited process).
is_emulator() {
  ps -o args= -p "$1" 2>/dev/null | grep -q "tools.avi_emulator"
}

emulator_running() {
  [[ -f "$EMULATOR_PID" ]] && is_emulator "$(cat "$EMULATOR_PID")"
}

# Starts the emulator in the background unless it runs; waits until it prints its URL.
start_emulator() {
  step "Avi Controller emulator on 127.0.0.1:$EMULATOR_PORT"
  if emulator_running; then
    done_already "running (pid $(cat "$EMULATOR_PID"))"
    return
  fi
  mkdir -p "$DEV_DIR"
  nohup "$PY" -m tools.avi_emulator --port "$EMULATOR_PORT" --username admin \
    --password "$EMULATOR_PASSWORD" --state "$DEV_DIR/avi-emulator-state.json" \
    >"$DEV_DIR/avi-emulator.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$EMULATOR_PID"
  # Until it prints its URL, or exits: our own child, so its pid stays ours (a zombie until
  # reaped). Not is_emulator here: just after the fork the child has not exec'd Python yet.
  for _ in $(seq 50); do
    grep -q "^http" "$DEV_DIR/avi-emulator.log" 2>/dev/null && break
    [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" =~ ^[^Z] ]] || break
    sleep 0.2
  done
  if ! grep -q "^http" "$DEV_DIR/avi-emulator.log"; then
    rm -f "$EMULATOR_PID"
    die "the emulator did not start: $(tail -n 1 "$DEV_DIR/avi-emulator.log")"
  fi
  echo "    started (pid $(cat "$EMULATOR_PID"), state $DEV_DIR/avi-emulator-state.json, log $DEV_DIR/avi-emulator.log)"
}

stop_emulator() {
  step "Avi Controller emulator"
  if emulator_running; then
    local pid
    pid=$(cat "$EMULATOR_PID")
    kill "$pid"
    for _ in $(seq 50); do is_emulator "$pid" || break; sleep 0.1; done
    echo "    stopped (pid $pid); its state file stays in $DEV_DIR"
  else
    done_already "not running"
  fi
  rm -f "$EMULATOR_PID"
}
