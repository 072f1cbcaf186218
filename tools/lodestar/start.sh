#!/usr/bin/env bash
# Usage: start.sh DIR DATADIR REST_PORT P2P_PORT GENESIS_VALIDATORS START_VALIDATORS_RANGE [extra lodestar args...]
#
# Execs (same PID as this script) a Lodestar 1.5.1 dev chain installed in DIR by install.sh:
# one beacon node plus, in the same process, interop validators START_VALIDATORS_RANGE
# (inclusive, e.g. 0..5; an empty string starts none). Minimal preset, 2-second slots,
# Altair from epoch 0, everything on 127.0.0.1 (REST on REST_PORT with all namespaces, libp2p
# TCP on P2P_PORT, no discv5, no mdns).
#
# Environment:
#   LODESTAR_GENESIS_TIME  unix seconds of genesis; set the same value for several processes
#   DEV_SECONDS_PER_SLOT  slot length in seconds (default 2); not LODESTAR_-prefixed:
#                         Lodestar reads LODESTAR_* variables as its own options
#                          that must agree on one chain. Default: launch time + 5 s.
#
# The process runs with DATADIR as its working directory (Lodestar writes genesis.ssz to the
# working directory), so relative paths in the extra args are relative to DATADIR. The chain
# and validator databases under DATADIR are removed before every start. Stop it with SIGKILL:
# SIGTERM hangs in shutdown.
set -euo pipefail

if [ $# -lt 6 ]; then
  echo "usage: $0 DIR DATADIR REST_PORT P2P_PORT GENESIS_VALIDATORS START_VALIDATORS_RANGE [extra args...]" >&2
  exit 2
fi
DIR="$(cd "$1" && pwd)"
DATADIR="$2"
REST_PORT="$3"
P2P_PORT="$4"
GENESIS_VALIDATORS="$5"
RANGE="$6"
shift 6

MAIN="$DIR/node_modules/@chainsafe/lodestar/lib/index.js"
if [ ! -f "$MAIN" ] || [ ! -f "$DIR/.installed.stamp" ]; then
  echo "lodestar start.sh: Lodestar is not installed in $DIR (run install.sh $DIR first)" >&2
  exit 1
fi

mkdir -p "$DATADIR"
DATADIR="$(cd "$DATADIR" && pwd)"
rm -rf "$DATADIR/chain-db" "$DATADIR/validator-db" "$DATADIR/peerstore" "$DATADIR/genesis.ssz"
cd "$DATADIR"

args=(
  dev
  --dataDir "$DATADIR"
  --genesisValidators "$GENESIS_VALIDATORS"
  --rest --rest.address 127.0.0.1 --rest.port "$REST_PORT" --rest.namespace '*'
  --server "http://127.0.0.1:$REST_PORT"
  --listenAddress 127.0.0.1 --port "$P2P_PORT" --enr.ip 127.0.0.1
  --discv5 false --mdns false
  --params.SECONDS_PER_SLOT "${DEV_SECONDS_PER_SLOT:-2}" --params.ALTAIR_FORK_EPOCH 0
  --reset
)
if [ -n "$RANGE" ]; then
  args+=(--startValidators "$RANGE")
fi
if [ -n "${LODESTAR_GENESIS_TIME:-}" ]; then
  args+=(--genesisTime "$LODESTAR_GENESIS_TIME")
fi

export LODESTAR_PRESET=minimal
exec node -r "$DIR/polyfill.cjs" "$MAIN" "${args[@]}" "$@"
