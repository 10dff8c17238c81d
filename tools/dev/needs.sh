#!/usr/bin/env bash
# What a make target needs, checked before anything is installed, created or started:
#   needs.sh dev                  `make up STACK=dev`: the virtualenv's Python, the Docker
#                                 engine, the ports, the disk, Pulumi, kubectl, kind and the
#                                 download hosts (only for a download it will make)
#   needs.sh stack COMMAND STACK  `make preview|up STACK=<other>`: the virtualenv's Python
#                                 and the Pulumi CLI
# What is there goes to stdout, one line each; each missing piece is one line on stderr
# (what, why make needs it, how to provide it), all of them in one run, then exit 2.
# shellcheck source=tools/dev/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MODE=${1:?usage: needs.sh dev | needs.sh stack COMMAND STACK}
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

# Disk budgets in MiB. The virtualenv is measured: requirements.lock installs about 0.9 GiB
# (pulumi_azure_native 356 MB and pulumi_aws 271 MB of it), plus room for pip to unpack.
# The others are budgets, not measurements: the Pulumi tarball and its extraction side by
# side, the kubectl and kind binaries, the state and log files, and for Docker the kind node
# image plus the images the dev stack pulls into it (Istio, the sample app).
VENV_MB=1536
PULUMI_MB=1024
KUBECTL_MB=100
KIND_MB=50
STATE_MB=50
CLUSTER_MB=4096

PROBLEMS=()
DOWNLOADS=()  # "url what" for every download this run will make
PROJECT_MB=$STATE_MB

found() { printf '    %s\n' "$*"; }
missing() { PROBLEMS+=("$*"); }

check_python() {
  local stamp=$VENV/.installed-runtime
  if [[ -f "$stamp" && ! "$ROOT/requirements.lock" -nt "$stamp" ]]; then
    found "virtualenv $VENV: installed from requirements.lock"
    return
  fi
  PROJECT_MB=$((PROJECT_MB + VENV_MB))
  if [[ -x "$VENV/bin/python" ]]; then
    found "virtualenv $VENV: requirements.lock is installed into it next (pip prints its progress)"
  elif "$PYTHON" -c 'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
    found "virtualenv $VENV: created with $PYTHON, then requirements.lock is installed into it (about 0.9 GiB)"
  else
    missing "Python 3.11+: '$PYTHON' is missing, older than 3.11, or has no venv module; make creates the virtualenv $VENV with it; install Python 3.11 or newer with venv (Debian/Ubuntu: apt install python3-venv), or name another one: make $TARGET PYTHON=python3.12"
  fi
}

DOCKER_ROOT=
check_docker() {
  local why="kind runs the dev cluster's node as a Docker container"
  if ! command -v docker >/dev/null 2>&1; then
    missing "Docker engine: no docker command on PATH; $why; install Docker Engine (https://docs.docker.com/engine/install/) or Docker Desktop, start it, and check that 'docker info' answers"
    return
  fi
  local out status=0 line version reason fix
  out=$(run_bounded 15 docker info --format 'engine {{.ServerVersion}} {{.DockerRootDir}}' 2>&1) || status=$?
  line=$(printf '%s\n' "$out" | grep '^engine ' | head -n 1 || true)
  read -r _ version DOCKER_ROOT <<<"$line" || true
  if ((status == 0)) && [[ -n "$version" ]]; then
    found "Docker engine $version"
    return
  fi
  DOCKER_ROOT=
  # The client's own last words, e.g. "Cannot connect to the Docker daemon at unix://...".
  reason=$(printf '%s\n' "$out" | grep -v '^[[:space:]]*$' | tail -n 1 || true)
  if ((status == 124)); then reason="no answer within 15 s"; fi
  fix="start the engine (Linux: sudo systemctl start docker; macOS, Windows: open Docker Desktop) or point DOCKER_HOST at one, then check with 'docker info'"
  if [[ "$reason" == *"ermission denied"* ]]; then
    fix="let your user reach the engine's socket (sudo usermod -aG docker \"\$USER\", then log in again) or use rootless Docker, then check with 'docker info'"
  fi
  missing "Docker engine: the docker client is installed but no engine answers (${reason:-docker info failed}); $why; $fix"
}

# True when something on this machine accepts connections on 127.0.0.1:port.
port_taken() { (: <>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

check_port() {  # port what-uses-it how-to-move-it
  if port_taken "$1"; then
    missing "port 127.0.0.1:$1: another program listens on it; make up needs it for $2; stop that program (see which: lsof -nP -iTCP:$1 -sTCP:LISTEN, or ss -ltnp 'sport = :$1') $3"
    return 1
  fi
}

check_ports() {  # cluster-needed(1/0)
  local busy=0 port kind_ports=()
  if emulator_running; then
    found "port 127.0.0.1:$EMULATOR_PORT: the dev stack's emulator already runs there (pid $(cat "$EMULATOR_PID"))"
  else
    check_port "$EMULATOR_PORT" "the Avi Controller emulator (EMULATOR_PORT)" \
      "or choose another: make up STACK=dev EMULATOR_PORT=<free port>" || busy=1
  fi
  if [[ $1 == 1 ]]; then
    while read -r port; do kind_ports+=("$port"); done < <(awk '$1 == "hostPort:" || $2 == "hostPort:" {print $NF}' "$KIND_CONFIG")
    for port in ${kind_ports[@]+"${kind_ports[@]}"}; do
      check_port "$port" "the ingress gateway NodePort the kind cluster publishes ($KIND_CONFIG)" \
        "(the port is fixed by Pulumi.dev.yaml's istio.ingressGateway.nodePorts)" || busy=1
    done
  fi
  if ((busy == 0)); then
    found "ports free on 127.0.0.1: $EMULATOR_PORT (emulator)${kind_ports[*]+, ${kind_ports[*]} (kind)}"
  fi
}

check_tool() {  # tool disk-budget-MiB
  plan_tool "$1"
  if [[ -n "$TOOL_PROBLEM" ]]; then
    missing "$TOOL_PROBLEM"
  elif [[ -n "$TOOL_EXE" ]]; then
    found "$1: $TOOL_NOTE"
  else
    found "$1: $TOOL_NOTE"
    DOWNLOADS+=("$TOOL_URL $1")
    PROJECT_MB=$((PROJECT_MB + $2))
  fi
}

free_mb() {  # directory: MiB free on its file system (its nearest existing parent's)
  local dir=$1
  while [[ ! -d "$dir" ]]; do dir=$(dirname "$dir"); done
  df -Pk "$dir" 2>/dev/null | awk 'NR == 2 {print int($4 / 1024)}'
}

check_disk_at() {  # directory need-MiB what
  local free
  free=$(free_mb "$1")
  if [[ -z "$free" ]]; then
    found "disk: could not read the free space of $1 (df); $3 needs about $2 MiB there"
  elif ((free < $2)); then
    missing "disk: $free MiB free on the file system of $1; $3 needs about $2 MiB there; free some space there (or, for Docker, docker system prune) and run again"
  else
    found "disk: $free MiB free for $1, about $2 MiB needed"
  fi
}

check_disk() {  # cluster-needed(1/0)
  check_disk_at "$ROOT" "$PROJECT_MB" "what make writes into the project (virtualenv, tools, state)"
  # Only an engine on this machine has its data directory here; Docker Desktop's is inside its VM.
  if [[ $1 == 1 && -n "$DOCKER_ROOT" && -d "$DOCKER_ROOT" && "${DOCKER_HOST:-unix://}" == unix://* ]]; then
    check_disk_at "$DOCKER_ROOT" "$CLUSTER_MB" "the kind node image and the images the dev stack pulls"
  fi
}

reachable() {  # url: true when its host answers at all (any HTTP status will do)
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null --head --connect-timeout 5 --max-time 10 "$1"
  elif command -v wget >/dev/null 2>&1; then
    local status=0
    wget -q --spider --timeout=5 --tries=1 -O /dev/null "$1" 2>/dev/null || status=$?
    ((status == 0 || status == 6 || status == 8))  # 6: auth wanted, 8: an HTTP error: both answered
  else
    return 2
  fi
}

check_downloads() {
  local entry url tool host checked=" "
  ((${#DOWNLOADS[@]})) || return 0
  for entry in "${DOWNLOADS[@]}"; do
    url=${entry% *} tool=${entry##* }
    host=${url#*://} host=${host%%/*}
    # One probe a host: kind and the Pulumi CLI both come from github.com.
    if [[ "$checked" == *" $host "* ]]; then continue; fi
    checked+="$host "
    local status=0
    reachable "$url" || status=$?
    if ((status == 2)); then
      missing "curl or wget: neither is installed; make up downloads $tool from $host with one of them; install curl, or provide $tool by hand: put it on PATH or set $(echo "$tool" | tr '[:lower:]' '[:upper:]')=/path/to/$tool"
    elif ((status != 0)); then
      missing "network: cannot reach $host within 10 s ($url); make up downloads $tool from there; allow access to it (HTTPS_PROXY is honoured), or provide $tool by hand: put it on PATH or set $(echo "$tool" | tr '[:lower:]' '[:upper:]')=/path/to/$tool"
    else
      found "network: $host answers"
    fi
  done
}

case $MODE in
  dev)
    TARGET="up STACK=dev"
    dev_defaults
    CLUSTER=${KIND_CLUSTER:-mesh-dev}
    step "what make up STACK=dev needs (nothing is installed or started before all of it is there)"
    check_python
    check_docker
    check_tool pulumi "$PULUMI_MB"
    check_tool kubectl "$KUBECTL_MB"
    cluster_needed=1
    if [[ -n "$TOOL_EXE" ]] && run_bounded 15 "$TOOL_EXE" config get-contexts -o name 2>/dev/null | grep -qx "kind-$CLUSTER"; then
      cluster_needed=0
      found "kind cluster $CLUSTER: its context kind-$CLUSTER exists, so kind is not needed"
    else
      check_tool kind "$KIND_MB"
    fi
    check_ports "$cluster_needed"
    check_disk "$cluster_needed"
    check_downloads
    ;;
  stack)
    TARGET="${2:?usage: needs.sh stack COMMAND STACK} STACK=${3:?usage: needs.sh stack COMMAND STACK}"
    step "what make $TARGET needs"
    check_python
    check_tool pulumi "$PULUMI_MB"
    check_disk 0
    check_downloads
    ;;
  *) die "usage: needs.sh dev | needs.sh stack COMMAND STACK" ;;
esac

if ((${#PROBLEMS[@]})); then
  for line in "${PROBLEMS[@]}"; do printf 'error: %s\n' "$line" >&2; done
  printf 'error: make %s stopped before changing anything: %d missing (above), each line says how to provide it\n' \
    "$TARGET" "${#PROBLEMS[@]}" >&2
  exit 2
fi
found "all there"
