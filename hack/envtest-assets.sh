#!/usr/bin/env bash
# envtest-assets.sh builds the real control-plane binaries that envtest runs — kube-apiserver
# and etcd — from the Go module proxy, because setup-envtest cannot download them here.
#
#   hack/envtest-assets.sh            # build into the cache folder unless already there
#   FLINKSIM_ENVTEST_DIR=/x hack/...  # build into /x instead
#
# Destination: ${FLINKSIM_ENVTEST_DIR:-$HOME/.cache/flinksim/envtest/v1.37.2}, outside the
# repository, so a fresh clone on a machine that already built them skips the build. Point
# KUBEBUILDER_ASSETS at that folder, or let sim/conformance find it by itself.
#
# Cost from empty caches (2 cores): about 10 minutes, 2.4 GB peak memory for kube-apiserver,
# ~700 MB of modules and ~3 GB of build cache. Run it with `nice` on a shared machine.
#
# Each binary is built in its own throwaway module under hack/envtest/ (a nested go.mod,
# so the project's ./... never sees them), with GOFLAGS=-mod=mod only inside those modules.
# If etcd cannot be built from Go, Debian's etcd-server is used as a fallback.
set -euo pipefail

readonly K8S_VERSION=v1.37.2
readonly ETCD_VERSION=3.7.3

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dest=${FLINKSIM_ENVTEST_DIR:-$HOME/.cache/flinksim/envtest/$K8S_VERSION}

log() { printf 'envtest-assets: %s\n' "$*" >&2; }

# elapsed prints seconds since $1 as "Mm SSs".
elapsed() {
	local s=$(($(date +%s) - $1))
	printf '%dm%02ds' $((s / 60)) $((s % 60))
}

# kube_apiserver_ok succeeds when $dest/kube-apiserver reports exactly $K8S_VERSION.
kube_apiserver_ok() {
	[[ -x $dest/kube-apiserver ]] || return 1
	local v
	v=$("$dest/kube-apiserver" --version 2>/dev/null) || return 1
	[[ $v == "Kubernetes $K8S_VERSION" ]]
}

# etcd_ok succeeds when $dest/etcd reports $ETCD_VERSION, or is the Debian fallback (a
# symlink to the packaged binary, which reports its own 3.4.x version).
etcd_ok() {
	[[ -x $dest/etcd ]] || return 1
	local v
	v=$("$dest/etcd" --version 2>/dev/null | sed -n 's/^etcd Version: //p') || return 1
	[[ $v == "$ETCD_VERSION" ]] && return 0
	[[ -L $dest/etcd && $(readlink "$dest/etcd") == /usr/bin/etcd ]]
}

# build_tool MODULE_DIR PACKAGE OUTPUT [LDFLAGS] builds PACKAGE inside the throwaway module
# and moves the binary into place only when the build succeeded, so an interrupted run never
# leaves a half-written binary that a later run would mistake for a good one.
build_tool() {
	local mod=$1 pkg=$2 out=$3 ldflags=${4:-}
	local tmp=$out.tmp.$$
	(
		cd "$mod"
		GOFLAGS=-mod=mod go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$tmp" "$pkg"
	) || {
		rm -f "$tmp"
		return 1
	}
	mv -f "$tmp" "$out"
}

build_kube_apiserver() {
	local start
	start=$(date +%s)
	local minor=${K8S_VERSION#v1.}
	minor=${minor%%.*}
	local pkg=k8s.io/component-base/version
	local ldflags="-s -w"
	ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
	ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	log "building kube-apiserver $K8S_VERSION (k8s.io/kubernetes, ~10 min cold, 2.4 GB peak memory)"
	build_tool "$here/envtest/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver "$dest/kube-apiserver" "$ldflags"
	kube_apiserver_ok || {
		log "built kube-apiserver reports '$("$dest/kube-apiserver" --version 2>&1)', want 'Kubernetes $K8S_VERSION'"
		return 1
	}
	log "kube-apiserver $K8S_VERSION built in $(elapsed "$start")"
}

# etcd_from_debian links Debian's etcd-server binary into $dest (installing it when allowed).
etcd_from_debian() {
	if [[ ! -x /usr/bin/etcd ]]; then
		command -v apt-get >/dev/null && [[ $(id -u) == 0 ]] || {
			log "cannot install Debian's etcd-server (needs apt-get as root); install it and rerun"
			return 1
		}
		log "installing Debian's etcd-server"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q etcd-server >&2
	fi
	ln -sfn /usr/bin/etcd "$dest/etcd"
	log "using Debian's $(/usr/bin/etcd --version | head -n1)"
}

build_etcd() {
	local start
	start=$(date +%s)
	log "building etcd $ETCD_VERSION (go.etcd.io/etcd/server/v3, ~70 s cold)"
	if build_tool "$here/envtest/etcd" go.etcd.io/etcd/server/v3 "$dest/etcd" "-s -w" && etcd_ok; then
		log "etcd $ETCD_VERSION built in $(elapsed "$start")"
		return 0
	fi
	log "building etcd from Go failed; falling back to Debian's etcd-server"
	etcd_from_debian
}

main() {
	local start
	start=$(date +%s)
	mkdir -p "$dest"
	log "destination $dest"
	if kube_apiserver_ok && etcd_ok; then
		log "kube-apiserver $K8S_VERSION and etcd already present; nothing to do"
		return 0
	fi
	command -v go >/dev/null || {
		log "go is not on PATH"
		return 1
	}
	if etcd_ok; then
		log "etcd already present"
	else
		build_etcd
	fi
	if kube_apiserver_ok; then
		log "kube-apiserver $K8S_VERSION already present"
	else
		build_kube_apiserver
	fi
	log "done in $(elapsed "$start"): $dest"
	log "use it with: export KUBEBUILDER_ASSETS=$dest"
}

main "$@"
