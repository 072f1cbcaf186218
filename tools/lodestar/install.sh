#!/usr/bin/env bash
# Usage: install.sh [DIR]
#
# Installs the pinned Lodestar 1.5.1 (package-lock.json beside this script) into DIR, which
# defaults to this script's own directory (the copy under target/lodestar/ when the Rust
# side has copied these files there). When DIR is another directory, package.json,
# package-lock.json, polyfill.cjs and start.sh are copied into it first.
#
# Steps: `npm ci --ignore-scripts` (install scripts would try to download prebuilt native
# binaries, which cannot be fetched here), then `node-gyp rebuild` against the system Node
# headers (/usr/include/node) in the native modules Lodestar loads: bcrypto, gc-stats,
# bigint-buffer, snappy. node-gyp is the one pinned in the lockfile (node_modules/.bin).
#
# Idempotent: DIR/.installed.stamp records the lockfile hash and the Node version; when it
# matches and the native modules are built, nothing is done. Concurrent runs on one DIR are
# serialised with flock. Exits non-zero, naming the failed step, on any failure.
set -euo pipefail

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIR="${1:-$SRC}"
NATIVE=(bcrypto gc-stats bigint-buffer snappy)
export npm_config_nodedir="${npm_config_nodedir:-/usr}"

fail() {
  echo "lodestar install.sh: $*" >&2
  exit 1
}

command -v node >/dev/null || fail "node is not on PATH (Node 20 is needed)"
command -v npm >/dev/null || fail "npm is not on PATH"
[ -f "$npm_config_nodedir/include/node/node.h" ] ||
  fail "no Node headers at $npm_config_nodedir/include/node (set npm_config_nodedir)"

mkdir -p "$DIR" || fail "cannot create $DIR"
DIR="$(cd "$DIR" && pwd)"

exec 9>"$DIR/.install.flock"
flock 9 || fail "cannot lock $DIR/.install.flock"

if [ "$DIR" != "$SRC" ]; then
  for f in package.json package-lock.json polyfill.cjs start.sh install.sh; do
    if ! cmp -s "$SRC/$f" "$DIR/$f"; then
      cp "$SRC/$f" "$DIR/$f" || fail "cannot copy $f into $DIR"
    fi
  done
fi

want="$(sha256sum "$DIR/package-lock.json" | cut -d' ' -f1) node-$(node --version)"

built() {
  local m
  for m in "${NATIVE[@]}"; do
    if [ -d "$DIR/node_modules/$m" ] && ! ls "$DIR/node_modules/$m"/build/Release/*.node >/dev/null 2>&1; then
      return 1
    fi
  done
  [ -f "$DIR/node_modules/@chainsafe/lodestar/lib/index.js" ]
}

if [ "$(cat "$DIR/.installed.stamp" 2>/dev/null)" = "$want" ] && built; then
  exit 0
fi
rm -f "$DIR/.installed.stamp"

log="$DIR/install.log"
: >"$log"
echo "lodestar: npm ci in $DIR" >&2
if ! (cd "$DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >>"$log" 2>&1; then
  tail -n 30 "$log" >&2
  fail "npm ci failed in $DIR (full log: $log)"
fi

gyp="$DIR/node_modules/.bin/node-gyp"
[ -x "$gyp" ] || fail "node-gyp missing from $DIR/node_modules/.bin after npm ci"

for m in "${NATIVE[@]}"; do
  [ -d "$DIR/node_modules/$m" ] || continue
  echo "lodestar: node-gyp rebuild in node_modules/$m" >&2
  if ! (cd "$DIR/node_modules/$m" && "$gyp" rebuild) >>"$log" 2>&1; then
    tail -n 30 "$log" >&2
    fail "node-gyp rebuild failed in $DIR/node_modules/$m (full log: $log)"
  fi
done

built || fail "native modules still missing after the build in $DIR (see $log)"
echo "$want" >"$DIR/.installed.stamp"
echo "lodestar: installed in $DIR" >&2
