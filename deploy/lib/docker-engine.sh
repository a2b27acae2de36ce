# docker_engine_up: makes `docker` talk to a running Docker engine. An engine that answers already
# (DOCKER_HOST, or the default socket) is used as it is. Otherwise Debian's docker.io is installed
# if needed and a private dockerd is started on its own socket, with its data (images and build
# cache) under $ADBOARD_CACHE/docker so that a second run builds from cache; it is stopped at exit.
# Requires common.sh.

DOCKER_STARTED_ENGINE=false

docker_engine_up() {
  if docker info >/dev/null 2>&1; then
    log "using the running Docker engine ($(docker info -f '{{.ServerVersion}}' 2>/dev/null))"
    return
  fi
  apt_install docker.io
  local data=$ADBOARD_CACHE/docker run=/run/adboard-docker
  mkdir -p "$data" "$run"
  # One private engine at a time on this data folder: a concurrent run waits here.
  exec 8>"$ADBOARD_CACHE/docker.lock"
  flock -w 3600 8 || fail "another run holds $ADBOARD_CACHE/docker.lock"
  # The machine's VM refuses negative oom_score_adj, which kubelet asks for: runc-clamp raises it to 0.
  # No bridge, no iptables: containers and builds use the host's network (127.0.0.1).
  setsid /usr/sbin/dockerd --data-root "$data" --exec-root "$run/exec" --pidfile "$run/dockerd.pid" \
    -H "unix://$run/docker.sock" --iptables=false --ip6tables=false --bridge=none \
    --add-runtime clamp="$DEPLOY_DIR/lib/runc-clamp" --default-runtime=clamp \
    >"$run/dockerd.log" 2>&1 8>&- & # the lock is this script's, not the daemon's
  DOCKERD_PID=$!
  DOCKER_STARTED_ENGINE=true
  export DOCKER_HOST=unix://$run/docker.sock
  # Debian's client matches Debian's engine (another client on the PATH may be newer).
  docker() { /usr/bin/docker "$@"; }
  defer docker_engine_down
  wait_for 60 "dockerd answers (log: $run/dockerd.log)" docker info || {
    tail -20 "$run/dockerd.log" >&2
    return 1
  }
  log "started dockerd $(docker info -f '{{.ServerVersion}}') (pid $DOCKERD_PID), data in $data"
}

docker_engine_down() {
  [[ $DOCKER_STARTED_ENGINE == true ]] || return 0
  stop_pid "$DOCKERD_PID" dockerd
  DOCKER_STARTED_ENGINE=false
  log "stopped dockerd"
}

# compose_command: sets COMPOSE to `docker compose` (v2) or `docker-compose` (v1; Debian's package,
# installed when neither is there).
compose_command() {
  if docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose)
  else
    command -v docker-compose >/dev/null || apt_install docker-compose
    COMPOSE=(docker-compose)
  fi
}
