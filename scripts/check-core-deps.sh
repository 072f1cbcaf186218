#!/usr/bin/env bash
# Fails when a core crate (qbft-core, ssv-protocol) gains an IO or runtime
# dependency, directly or transitively. `alloy-primitives` is allowed: it is plain
# types that ethereum_ssz itself depends on; the alloy crates that do IO
# (provider, transport, rpc, ...) are not.
set -euo pipefail
cd "$(dirname "$0")/.."
io='^(tokio|tokio-[a-z-]+|async-std|smol|mio|libp2p|libp2p-[a-z-]+|discv5|reqwest|hyper|hyper-[a-z-]+|axum|tower|rusqlite|sqlx|redb|sled|alloy|alloy-(provider|transport|transport-[a-z]+|rpc-[a-z-]+|network|contract|pubsub|json-rpc)|metrics-exporter-prometheus|ureq|rand)$'
status=0
for crate in qbft-core ssv-protocol; do
  deps=$(cargo tree -e normal -p "$crate" --prefix none --offline 2>/dev/null || cargo tree -e normal -p "$crate" --prefix none)
  bad=$(printf '%s\n' "$deps" | awk '{print $1}' | sort -u | grep -E "$io" || true)
  if [ -n "$bad" ]; then
    echo "FAIL: $crate depends on IO/runtime crates: $(echo $bad | tr '\n' ' ')"
    status=1
  else
    echo "ok: $crate has no IO dependency"
  fi
done
# qbft-core is embedded by other tooling: it keeps to thiserror alone.
extra=$(cargo tree -e normal -p qbft-core --prefix none --depth 1 | awk 'NR>1 {print $1}' | sort -u | grep -vE '^(thiserror)$' || true)
if [ -n "$extra" ]; then
  echo "FAIL: qbft-core gained dependencies: $extra"
  status=1
fi
exit $status
