#!/usr/bin/env bash
# Builds the fuzz targets, then runs each for SECONDS (default 20) with libFuzzer's
# -max_total_time; exits non-zero if any target crashed (its input is in fuzz/artifacts/<target>/).
#
#   fuzz/run.sh          # 20 s each, as CI does
#   fuzz/run.sh 600      # longer; the corpus in fuzz/corpus/<target>/ carries over between runs
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-20}"
case "$seconds" in
  '' | *[!0-9]*) echo "usage: fuzz/run.sh [SECONDS]" >&2; exit 2 ;;
esac
targets=(origin_parse env_reader decision)

start=$(date +%s)
cargo +nightly fuzz build
echo "fuzz: built in $(( $(date +%s) - start )) s"

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
failed=()
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  args=(-max_total_time="$seconds" -timeout=10 -print_final_stats=1)
  if [ -f "dict/$target.dict" ]; then
    args+=(-dict="dict/$target.dict")
  fi
  echo "fuzz: $target for $seconds s"
  if ! cargo +nightly fuzz run "$target" "corpus/$target" -- "${args[@]}" >"$logs/$target" 2>&1; then
    failed+=("$target")
    tail -n 60 "$logs/$target" >&2
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$target" | tail -n 1)
  echo "fuzz: $target: ${runs:-?} executions, corpus $(find "corpus/$target" -type f | wc -l) inputs"
done
echo "fuzz: done in $(( $(date +%s) - start )) s"

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: crashed: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
