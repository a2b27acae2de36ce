# Shared by deploy/verify-*.sh: logging with timings, a cleanup stack run on any exit, waits with a
# deadline. Source it; it sets the EXIT trap.

ADBOARD_CACHE=${ADBOARD_CACHE:-/var/cache/adboard}
DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$DEPLOY_DIR/.." && pwd)

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
fail() {
  log "FAILED: $*"
  exit 1
}

# step NAME: starts a timed step (the previous one ends); `timings` prints them all.
TIMINGS=()
_step_name=''
_step_started=0
step() {
  _step_end
  _step_name=$1
  _step_started=$SECONDS
  printf '\n--- %s ---\n' "$1" >&2
}
_step_end() {
  [[ -n $_step_name ]] && TIMINGS+=("$(printf '%5d s  %s' $((SECONDS - _step_started)) "$_step_name")")
  _step_name=''
}
timings() {
  _step_end
  printf '\nTimes:\n' >&2
  printf '  %s\n' "${TIMINGS[@]}" >&2
  printf '  %5d s  in all\n' "$SECONDS" >&2
}

# defer COMMAND...: run at exit, last registered first, whether the script succeeds or fails.
_cleanups=()
defer() { _cleanups+=("$*"); }
_run_cleanups() {
  local status=$? cleanup
  trap - EXIT INT TERM
  set +e
  if ((${#_cleanups[@]})); then
    log "cleaning up (exit status $status)"
    for ((cleanup = ${#_cleanups[@]} - 1; cleanup >= 0; cleanup--)); do eval "${_cleanups[$cleanup]}"; done
  fi
  exit "$status"
}
trap _run_cleanups EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every half second until it succeeds.
wait_for() {
  local limit=$1 description=$2
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || {
      log "timed out after ${limit} s: $description"
      return 1
    }
    sleep 0.5
  done
}

# stop_pid PID [NAME]: SIGTERM, up to 20 s, then SIGKILL; only for processes this script started.
stop_pid() {
  local pid=$1 name=${2:-process $1}
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
  log "$name did not stop in 20 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

# apt_install PACKAGE...: installs the Debian packages that are missing.
apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
    {
      apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    }
}

# The seven images: workspace folder → image name (adboard/<name>:<tag>).
IMAGES=(app-user app-auth app-billing app-bonus app-adv app-notify gateway)
workspace_of() { [[ $1 == gateway ]] && echo packages/gateway || echo "$1"; }
