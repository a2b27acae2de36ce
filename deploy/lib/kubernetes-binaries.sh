#!/usr/bin/env bash
# Kubernetes binaries for deploy/verify-k8s.sh: kube-apiserver, kube-controller-manager,
# kube-scheduler and kubelet (with dockershim), built from Debian bookworm's `kubernetes` source
# package with Debian's Go 1.19, so nothing but the Debian mirror is needed. They are cached outside
# the repository, keyed by version: $ADBOARD_CACHE/kubernetes/<version>/bin. A cold build takes
# about 6 minutes on 2 cores; a cached one, none.
#
#   deploy/lib/kubernetes-binaries.sh        # prints the bin folder (builds it when missing)
set -euo pipefail

K8S_VERSION=1.20.2
# Debian's source package of that version (the tarball's name says 1.20.5+really1.20.2).
SOURCE_TARBALL=kubernetes_1.20.5+really1.20.2.orig.tar.gz
CACHE=${ADBOARD_CACHE:-/var/cache/adboard}/kubernetes/v$K8S_VERSION
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubelet)

complete() {
  for binary in "${BINARIES[@]}" pause; do [[ -x $CACHE/bin/$binary ]] || return 1; done
}

if complete; then
  echo "$CACHE/bin"
  exit 0
fi

mkdir -p "$(dirname "$CACHE")"
exec 9>"$CACHE.lock"
flock 9 # one build at a time; a second caller waits and then finds the cache
if complete; then
  echo "$CACHE/bin"
  exit 0
fi

started=$SECONDS
need=()
[[ -x /usr/lib/go-1.19/bin/go ]] || need+=(golang-1.19-go)
command -v make >/dev/null || need+=(make)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
if ((${#need[@]})); then
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
fi

work=$(mktemp -d /var/tmp/adboard-k8s-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/apt/parts" "$work/apt/lists/partial"
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
cat >"$work/apt/parts/src.sources" <<SOURCES
Types: deb-src
URIs: $mirror
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_options=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/apt/parts"
  -o "Dir::State::Lists=$work/apt/lists")
apt-get "${apt_options[@]}" update -qq >&2
(cd "$work" && apt-get "${apt_options[@]}" source --download-only kubernetes >&2)
tar -C "$work" -xzf "$work/$SOURCE_TARBALL"
cd "$work/kubernetes-$K8S_VERSION"

# Go >= 1.17 attributes packages listed under a version-less "# module => replacement" line of
# vendor/modules.txt to version ""; put that line first so they belong to the versioned entry
# (otherwise: "updates to go.mod needed").
python3 - <<'PY'
lines = open('vendor/modules.txt').read().split('\n'); blocks = []; current = None
for line in lines:
    if line.startswith('# ') or current is None:
        current = []; blocks.append(current)
    current.append(line)
out = []; i = 0
while i < len(blocks):
    block = blocks[i]; words = block[0].split()
    if len(words) >= 3 and words[0] == '#' and words[2] != '=>' and i + 1 < len(blocks):
        following = blocks[i + 1]; next_words = following[0].split()
        if len(next_words) >= 3 and next_words[1] == words[1] and next_words[2] == '=>':
            out += [[following[0]], block + following[1:]]; i += 2; continue
    out.append(block); i += 1
open('vendor/modules.txt', 'w').write('\n'.join(line for block in out for line in block))
PY

export PATH=/usr/lib/go-1.19/bin:$PATH GOFLAGS=-mod=vendor GOPROXY=off CGO_ENABLED=0
export GOCACHE=$work/go-cache GOPATH=$work/go
make gen_openapi >&2 # pkg/generated/openapi/zz_generated.openapi.go is not in the tarball
ldflags="-s -w"
for package in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  ldflags+=" -X $package.gitVersion=v$K8S_VERSION -X $package.gitMajor=1 -X $package.gitMinor=20"
  ldflags+=" -X $package.gitTreeState=clean"
done
mkdir -p "$work/bin"
for binary in "${BINARIES[@]}"; do
  go build -tags providerless -ldflags "$ldflags" -o "$work/bin/$binary" "./cmd/$binary"
  echo "built $binary ($((SECONDS - started)) s)" >&2
done
# The pod sandbox ("pause") image's program, from the same tree (k8s.gcr.io is not reachable).
gcc -Os -static -o "$work/bin/pause" build/pause/linux/pause.c

mkdir -p "$CACHE"
rm -rf "$CACHE/bin.partial" && mv "$work/bin" "$CACHE/bin.partial"
rm -rf "$CACHE/bin" && mv "$CACHE/bin.partial" "$CACHE/bin"
echo "Kubernetes v$K8S_VERSION binaries built in $((SECONDS - started)) s into $CACHE/bin" >&2
echo "$CACHE/bin"
