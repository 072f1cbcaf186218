#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 60) and prints one line per
# target: executions, and whether it crashed. Needs nightly and cargo-fuzz
# (installed here if missing). Seeds: fuzz/corpus/<target>/, made from the
# reference vectors by `cargo run -p examples --bin fuzz-seeds` when present.
set -uo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-60}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
# Seed the decoder corpora from the reference vectors once, where they are.
if [ ! -d corpus/decode_signed_ssv_message ] || [ -z "$(ls -A corpus/decode_signed_ssv_message 2>/dev/null)" ]; then
  (cd .. && cargo run -q --release -p examples --bin fuzz-seeds -- fuzz/corpus) || echo "no seeds (vectors missing?)"
fi
status=0
for target in $(cargo +nightly fuzz list); do
  mkdir -p "corpus/$target"
  log=$(mktemp)
  cargo +nightly fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 >"$log" 2>&1
  rc=$?
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
  [ -n "$execs" ] || execs=$(grep -Eo '#[0-9]+' "$log" | tail -1 | tr -d '#')
  if [ $rc -eq 0 ]; then
    echo "$target: ${execs:-?} executions in ${seconds}s, no crash"
  else
    echo "$target: CRASH after ${execs:-?} executions (exit $rc); see fuzz/artifacts/$target"
    tail -30 "$log"
    status=1
  fi
done
exit $status
