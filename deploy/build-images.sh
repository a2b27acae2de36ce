#!/usr/bin/env bash
# Builds the six service images from the repository's Dockerfile, tagged as the charts expect
# (adboard/<service>:<appVersion of app-*/.helm/Chart.yaml>).
#
# Into minikube (its Docker daemon, so pullPolicy IfNotPresent finds them without a registry):
#   eval $(minikube docker-env) && deploy/build-images.sh
# Or with minikube's own builder, without a local Docker:
#   BUILDER=minikube deploy/build-images.sh
set -euo pipefail
cd "$(dirname "$0")/.."

TAG=${TAG:-0.1.0}
SERVICES=(app-user app-auth app-billing app-bonus app-adv app-notify)

for service in "${SERVICES[@]}"; do
  echo "=== adboard/$service:$TAG"
  if [[ ${BUILDER:-docker} == minikube ]]; then
    minikube image build -t "adboard/$service:$TAG" --build-opt="build-arg=SERVICE=$service" .
  else
    docker build --build-arg "SERVICE=$service" -t "adboard/$service:$TAG" .
  fi
done
