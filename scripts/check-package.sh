#!/usr/bin/env bash
# Checks the package as users get it: `npm pack`, `npm install -g` of the tarball into a temporary prefix,
# then the installed `tnet` run from outside the checkout: validate and graph the quickstart, apply it twice inside a
# throwaway network + mount namespace (never the machine's own network), and watch it with --metrics there.
# Needs root for the apply.
# Ends with one line: "check-package: OK …" or "check-package: FAIL: <step>" (after that step's output).
set -euo pipefail

checkout=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tnet-check-package.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log=$tmp/step.log

fail() {
  [ -s "$log" ] && cat "$log" >&2
  echo "check-package: FAIL: $1" >&2
  exit 1
}

# step DESCRIPTION CMD…: runs CMD with its output kept in $log, shown only when it fails.
step() {
  local what=$1
  shift
  if ! "$@" >"$log" 2>&1; then fail "$what"; fi
}

[ "$(id -u)" = 0 ] || fail "needs root (the apply runs in a throwaway network namespace)"
for c in npm node unshare ip ping; do
  command -v "$c" >/dev/null || fail "$c is not installed"
done

# npm pack runs the prepare script: the tarball is built from the sources, as `npm publish` would build it.
step "npm pack" bash -c 'cd "$1" && npm pack --pack-destination "$2"' _ "$checkout" "$tmp"
tarballs=("$tmp"/tnet-*.tgz)
[ -f "${tarballs[0]}" ] || fail "npm pack left no tnet-*.tgz"
tarball=${tarballs[0]}

step "npm install -g $(basename "$tarball")" \
  npm install -g --prefix "$tmp/prefix" --no-audit --no-fund "$tarball"

# From here on only the installed copy: its bin first on PATH, run from a folder outside the checkout.
export PATH="$tmp/prefix/bin:$PATH"
unset NODE_PATH
mkdir "$tmp/elsewhere"
cd "$tmp/elsewhere"
[ "$(command -v tnet)" = "$tmp/prefix/bin/tnet" ] || fail "tnet on PATH is $(command -v tnet || echo nothing), not the installed one"
pkg="$(npm root -g --prefix "$tmp/prefix")/tnet"
spec=$pkg/examples/quickstart.yaml
[ -f "$spec" ] || fail "the installed package has no examples/quickstart.yaml"

step "tnet validate -f $spec" tnet validate -f "$spec"
# The bundle's code cache, written by the prepare script, is in the tarball and taken by the installed node.
step "the installed tnet loads from its code cache" sh -c 'TNET_TRACE=1 tnet validate -f "$1" 2>&1 | grep -q "^tnet trace: code cache used$"' sh "$spec"
step "tnet graph -f $spec --format dot" sh -c 'tnet graph -f "$1" --format dot | grep -q "\"container:nginx-1\""' sh "$spec"

# Inside the namespace: private /run, /etc/netns and /sys as the tests' sandbox makes them (test/helpers/sandbox.ts).
inside='
set -eu
mount -t tmpfs tmpfs /run
mkdir -p /etc/netns
mount -t tmpfs tmpfs /etc/netns
mount -t sysfs sysfs /sys
ip link set lo up
first=$(tnet apply -f "$1" 2>&1) || { echo "$first"; echo "first apply failed"; exit 1; }
echo "$first"
case $first in *"Apply complete"*) ;; *) echo "first apply did not print Apply complete"; exit 1 ;; esac
second=$(tnet apply -f "$1" 2>&1) || { echo "$second"; echo "second apply failed"; exit 1; }
echo "$second"
case $second in *"No changes"*) ;; *) echo "second apply did not print No changes"; exit 1 ;; esac
ip netns exec nginx-2 ping -c1 -W1 172.17.0.2 || { echo "nginx-2 cannot ping nginx-1 (172.17.0.2)"; exit 1; }
# prom-client is not bundled: the installed watch must find it for --metrics, and answer /healthz.
tnet watch -f "$1" --metrics 127.0.0.1:9365 --resync 0 &
watch=$!
healthy=
for _ in $(seq 1 100); do
  if node -e "fetch(\"http://127.0.0.1:9365/healthz\").then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"; then healthy=1; break; fi
  kill -0 "$watch" 2>/dev/null || break
  sleep 0.2
done
kill "$watch" 2>/dev/null; wait "$watch" || true
[ -n "$healthy" ] || { echo "tnet watch --metrics never answered /healthz with 200"; exit 1; }
'
step "tnet apply -f $spec, twice, then tnet watch --metrics, in a throwaway namespace" \
  unshare -n -m --propagation private sh -c "$inside" sh "$spec"

echo "check-package: OK: $(basename "$tarball") installs with npm install -g; the installed tnet loads from its code cache, validates, graphs and applies the quickstart (then No changes, and nginx-2 pings nginx-1), and its watch answers /healthz, in a throwaway namespace"
