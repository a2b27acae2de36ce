#!/usr/bin/env bash
# Builds the seven images from the repository's Dockerfile, tagged as the charts expect
# (adboard/<name>:<appVersion of the chart>): the six services and the gateway.
#
# Into minikube (its Docker daemon, so pullPolicy IfNotPresent finds them without a registry):
#   eval $(minikube docker-env) && deploy/build-images.sh
# Or with minikube's own builder, without a local Docker:
#   BUILDER=minikube deploy/build-images.sh
# Variables: TAG (0.1.0), NODE_IMAGE (the base image; the Dockerfile's default is
# node:24-bookworm-slim), BUILD_NETWORK (e.g. host, for an engine without a bridge network).
set -euo pipefail
cd "$(dirname "$0")/.."

TAG=${TAG:-0.1.0}
SERVICES=(app-user app-auth app-billing app-bonus app-adv app-notify)

options=()
[[ -n ${NODE_IMAGE:-} ]] && options+=(--build-arg "NODE_IMAGE=$NODE_IMAGE")
[[ -n ${BUILD_NETWORK:-} ]] && options+=(--network "$BUILD_NETWORK")

# build NAME WORKSPACE: the image adboard/NAME:TAG of the workspace folder WORKSPACE.
build() {
  local name=$1 workspace=$2 started=$SECONDS
  echo "=== adboard/$name:$TAG"
  if [[ ${BUILDER:-docker} == minikube ]]; then
    local minikube_options=(--build-opt="build-arg=SERVICE=$workspace")
    [[ -n ${NODE_IMAGE:-} ]] && minikube_options+=(--build-opt="build-arg=NODE_IMAGE=$NODE_IMAGE")
    minikube image build -t "adboard/$name:$TAG" "${minikube_options[@]}" .
  else
    docker build "${options[@]}" --build-arg "SERVICE=$workspace" -t "adboard/$name:$TAG" .
  fi
  echo "=== adboard/$name:$TAG built in $((SECONDS - started)) s"
}

for service in "${SERVICES[@]}"; do build "$service" "$service"; done
build gateway packages/gateway
