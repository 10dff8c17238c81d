# shellcheck shell=bash
# Shared by tools/dev/*.sh: where things live, step messages, and the command-line tools
# installed inside the project (.tools/) when they are not on PATH. Nothing here changes
# anything outside the project directory.

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

step() { printf '==> %s\n' "$*"; }
done_already() { printf '    %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

_os() {
  case "$(uname -s)" in
    Linux) echo linux ;;
    Darwin) echo darwin ;;
    *) die "unsupported OS $(uname -s); install the tool yourself and put it on PATH" ;;
  esac
}

_arch() {  # $1: the name the project uses for x86-64 (x64 or amd64)
  case "$(uname -m)" in
    x86_64 | amd64) echo "$1" ;;
    aarch64 | arm64) echo arm64 ;;
    *) die "unsupported CPU $(uname -m); install the tool yourself and put it on PATH" ;;
  esac
}

_download() {  # url file; a failed download leaves no file behind
  local status=0
  if command -v curl >/dev/null 2>&1; then
    curl -fL --progress-bar -o "$2" "$1" || status=$?
  elif command -v wget >/dev/null 2>&1; then
    wget -q --show-progress -O "$2" "$1" || status=$?
  else
    die "neither curl nor wget is installed"
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

# Sets EXPECTED_SHA256 to the committed checksum of name (<tool>-<version>-<os>-<arch>), or
# refuses before anything is downloaded when there is none (a missing line, or one marked
# "unverified" because no published value could be checked).
_committed_sha256() {  # name what-to-put-on-PATH
  EXPECTED_SHA256=$(awk -v name="$1" '!/^#/ && $2 == name {print $1}' "$TOOL_CHECKSUMS" 2>/dev/null || true)
  [[ "$EXPECTED_SHA256" =~ ^[0-9a-f]{64}$ ]] || die "no verified checksum for $1 in" \
    "$TOOL_CHECKSUMS, so it is not downloaded: put $2 on PATH yourself, or add" \
    "'<sha256>  $1' to that file from the release's published checksums"
}

_verify() {  # file expected-sha256; a file that does not match is removed
  local actual
  actual=$(_sha256 "$1")
  if [[ "$actual" != "$2" ]]; then
    rm -f "$1"
    die "checksum mismatch for $(basename "$1"): got $actual, $TOOL_CHECKSUMS has $2; the download was removed, nothing installed"
  fi
}

# Sets PULUMI to the CLI to use: the one on PATH, else the project's pinned copy
# (.tools/pulumi-vX/pulumi/), downloaded from the official release once.
ensure_pulumi() {
  step "Pulumi CLI"
  if command -v pulumi >/dev/null 2>&1; then
    PULUMI=$(command -v pulumi)
    done_already "using $PULUMI from PATH"
    return
  fi
  local dir=$TOOLS_DIR/pulumi-v$PULUMI_VERSION
  PULUMI=$dir/pulumi/pulumi
  if [[ -x "$PULUMI" ]]; then
    done_already "using the project's copy, $PULUMI"
  else
    local os arch
    os=$(_os) && arch=$(_arch x64)
    local name="pulumi-v$PULUMI_VERSION-$os-$arch"
    _committed_sha256 "$name" "Pulumi $PULUMI_VERSION (https://www.pulumi.com/docs/install/)"
    echo "    installing Pulumi $PULUMI_VERSION into $dir (not on PATH: nothing global changes)"
    mkdir -p "$TOOLS_DIR"
    _download "$PULUMI_DOWNLOAD/v$PULUMI_VERSION/$name.tar.gz" "$dir.tar.gz.partial"
    _verify "$dir.tar.gz.partial" "$EXPECTED_SHA256"
    rm -rf "$dir.partial" && mkdir "$dir.partial"
    tar -xzf "$dir.tar.gz.partial" -C "$dir.partial"
    rm -f "$dir.tar.gz.partial"
    rm -rf "$dir" && mv "$dir.partial" "$dir"
  fi
  # The CLI finds its language hosts next to itself or on PATH.
  PATH="$(dirname "$PULUMI"):$PATH"
}

# Downloads a single-file binary, checks it against its committed checksum, and puts it at
# dest, executable.
_install_binary() {  # url checksum-name what-to-put-on-PATH dest
  local url=$1 name=$2 what=$3 dest=$4
  _committed_sha256 "$name" "$what"
  echo "    installing $what into $(dirname "$dest")"
  mkdir -p "$(dirname "$dest")"
  _download "$url" "$dest.partial"
  _verify "$dest.partial" "$EXPECTED_SHA256"
  chmod +x "$dest.partial" && mv "$dest.partial" "$dest"
}

# Sets KUBECTL: the one on PATH, else a pinned copy in .tools/bin.
ensure_kubectl() {
  if command -v kubectl >/dev/null 2>&1; then KUBECTL=$(command -v kubectl); return; fi
  KUBECTL=$TOOLS_DIR/bin/kubectl-$KUBECTL_VERSION
  if [[ ! -x "$KUBECTL" ]]; then
    local os arch
    os=$(_os) && arch=$(_arch amd64)
    _install_binary "$KUBECTL_DOWNLOAD/$KUBECTL_VERSION/bin/$os/$arch/kubectl" \
      "kubectl-$KUBECTL_VERSION-$os-$arch" "kubectl $KUBECTL_VERSION" "$KUBECTL"
  fi
}

# Sets KIND: the one on PATH, else a pinned copy in .tools/bin.
ensure_kind() {
  if command -v kind >/dev/null 2>&1; then KIND=$(command -v kind); return; fi
  KIND=$TOOLS_DIR/bin/kind-$KIND_VERSION
  if [[ ! -x "$KIND" ]]; then
    local os arch
    os=$(_os) && arch=$(_arch amd64)
    _install_binary "$KIND_DOWNLOAD/$KIND_VERSION/kind-$os-$arch" \
      "kind-$KIND_VERSION-$os-$arch" "kind $KIND_VERSION" "$KIND"
  fi
}

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
  echo $! >"$EMULATOR_PID"
  for _ in $(seq 50); do
    grep -q "^http" "$DEV_DIR/avi-emulator.log" 2>/dev/null && break
    emulator_running || break
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
