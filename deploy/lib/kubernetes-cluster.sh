# kubernetes_up BIN: a one-node Kubernetes on 127.0.0.1 — etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and a kubelet whose container runtime is the Docker engine of docker-engine.sh
# (dockershim). Everything lives in a temporary folder and is stopped and removed at exit. There is
# no CNI plugin, kube-proxy, DNS or ingress controller: pods that need a network use the host's.
# Sets KUBECONFIG. Ports: K8S_PORT_BASE (28240) and the next few.
# Requires common.sh and docker-engine.sh.

K8S_PORT_BASE=${K8S_PORT_BASE:-28240}

kubernetes_up() {
  local bin=$1
  apt_install etcd-server openssl
  K8S_DIR=$(mktemp -d /var/tmp/adboard-k8s.XXXXXX)
  K8S_PIDS=()
  defer kubernetes_down
  local dir=$K8S_DIR etcd_client=$K8S_PORT_BASE etcd_peer=$((K8S_PORT_BASE + 1))
  local apiserver=$((K8S_PORT_BASE + 2)) kcm=$((K8S_PORT_BASE + 3)) scheduler=$((K8S_PORT_BASE + 4))
  local kubelet=$((K8S_PORT_BASE + 5)) kubelet_health=$((K8S_PORT_BASE + 6))
  require_free_ports K8S_PORT_BASE "$etcd_client" "$etcd_peer" "$apiserver" "$kcm" "$scheduler" "$kubelet" "$kubelet_health"

  openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
  openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
  local token
  token=$(openssl rand -hex 16)
  echo "$token,admin,admin-uid,system:masters" >"$dir/tokens.csv"

  _k8s_start etcd etcd --name adboard --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_client" --advertise-client-urls "http://127.0.0.1:$etcd_client" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "adboard=http://127.0.0.1:$etcd_peer"
  _k8s_start kube-apiserver "$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_client" \
    --bind-address 127.0.0.1 --secure-port "$apiserver" --insecure-port 0 --advertise-address 127.0.0.1 \
    --cert-dir "$dir/certs" --token-auth-file "$dir/tokens.csv" --authorization-mode RBAC \
    --service-cluster-ip-range 10.96.0.0/12 --endpoint-reconciler-type none \
    --service-account-key-file "$dir/sa.pub" --service-account-signing-key-file "$dir/sa.key" \
    --service-account-issuer https://kubernetes.default.svc
  wait_for 120 "kube-apiserver ready" _k8s_api_ready "$apiserver" "$token" || _k8s_fail kube-apiserver

  export KUBECONFIG=$dir/kubeconfig
  kubectl config set-cluster adboard --server "https://127.0.0.1:$apiserver" \
    --certificate-authority "$dir/certs/apiserver.crt" --embed-certs=true >/dev/null
  kubectl config set-credentials admin --token "$token" >/dev/null
  kubectl config set-context adboard --cluster adboard --user admin >/dev/null
  kubectl config use-context adboard >/dev/null

  local common=(--kubeconfig "$KUBECONFIG" --authentication-kubeconfig "$KUBECONFIG"
    --authorization-kubeconfig "$KUBECONFIG" --bind-address 127.0.0.1 --port 0 --leader-elect=false)
  _k8s_start kube-controller-manager "$bin/kube-controller-manager" "${common[@]}" --secure-port "$kcm" \
    --cert-dir "$dir/kcm" --service-account-private-key-file "$dir/sa.key" \
    --root-ca-file "$dir/certs/apiserver.crt" --controllers '*,-nodeipam,-cloud-node-lifecycle'
  _k8s_start kube-scheduler "$bin/kube-scheduler" "${common[@]}" --secure-port "$scheduler" --cert-dir "$dir/sched"

  # The pod sandbox image, from the pause program built with the binaries (no registry needed).
  mkdir -p "$dir/pause"
  cp "$bin/pause" "$dir/pause/pause"
  printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' >"$dir/pause/Dockerfile"
  docker build -q -t adboard/pause:3.2 "$dir/pause" >/dev/null

  local engine=${DOCKER_HOST:-unix:///var/run/docker.sock}
  _k8s_start kubelet "$bin/kubelet" --kubeconfig "$KUBECONFIG" --root-dir "$dir/kubelet" \
    --cert-dir "$dir/kubelet/pki" --address 127.0.0.1 --port "$kubelet" --read-only-port 0 \
    --healthz-bind-address 127.0.0.1 --healthz-port "$kubelet_health" --fail-swap-on=false \
    --cgroup-driver cgroupfs --container-runtime docker --docker-endpoint "$engine" \
    --container-runtime-endpoint "unix://$dir/dockershim.sock" \
    --experimental-dockershim-root-directory "$dir/dockershim" \
    --pod-infra-container-image adboard/pause:3.2 --hostname-override adboard-node --node-ip 127.0.0.1 \
    --eviction-hard 'nodefs.available<1%,imagefs.available<1%' --image-gc-high-threshold 100 \
    --authorization-mode AlwaysAllow --anonymous-auth=true
  wait_for 120 "node adboard-node Ready" _k8s_node_ready || _k8s_fail kubelet
  # The kubelet refuses a loopback node IP, so the node has no address; give it 127.0.0.1 (logs, exec).
  kubectl patch node adboard-node --subresource=status --type=merge \
    -p '{"status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"}]}}' >/dev/null 2>&1 ||
    log "could not give the node an address (kubectl logs may not work)"
  log "Kubernetes $(kubectl version -o json 2>/dev/null | jq -r .serverVersion.gitVersion) up: https://127.0.0.1:$apiserver, node adboard-node Ready"
}

_k8s_start() {
  local name=$1
  shift
  setsid "$@" >"$K8S_DIR/$name.log" 2>&1 8>&- & # 8: the engine lock (docker-engine.sh) stays ours
  K8S_PIDS+=("$!:$name")
}

_k8s_api_ready() { curl -sfk -H "Authorization: Bearer $2" "https://127.0.0.1:$1/readyz" | grep -q ok; }
_k8s_node_ready() { kubectl get node adboard-node --no-headers 2>/dev/null | grep -q ' Ready'; }
_k8s_fail() {
  tail -30 "$K8S_DIR/$1.log" >&2
  fail "$1 did not start"
}

# kubernetes_down: the kubelet first, then the pods' containers it leaves, then the control plane.
kubernetes_down() {
  [[ -n ${K8S_DIR:-} ]] || return 0
  local entry i
  for ((i = ${#K8S_PIDS[@]} - 1; i >= 0; i--)); do
    entry=${K8S_PIDS[$i]}
    stop_pid "${entry%%:*}" "${entry#*:}"
    if [[ ${entry#*:} == kubelet ]]; then
      local containers
      containers=$(docker ps -aq --filter label=io.kubernetes.pod.namespace 2>/dev/null)
      [[ -z $containers ]] || docker rm -f $containers >/dev/null 2>&1
    fi
  done
  # Volumes the kubelet mounted (emptyDir, configMap) may outlive it.
  grep -o " $K8S_DIR/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
  [[ ${KEEP_K8S_DIR:-false} == true ]] && log "kept $K8S_DIR" || rm -rf "$K8S_DIR"
  K8S_DIR=''
  log "Kubernetes stopped and removed"
}
