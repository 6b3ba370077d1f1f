#!/usr/bin/env bash
# Runs libFuzzer targets built by `make fuzz-build` (mk/hardening.mk) and prints one line per target:
# executions, seconds, coverage (edges), features, corpus size. Fails on the first finding.
#
#   fuzz/run.sh RUNS [TARGET...]      e.g. fuzz/run.sh 100000   (every target when none is named)
#
# New inputs go to build/fuzz/corpus/TARGET; the committed seeds in fuzz/corpus/TARGET are only read.
# A crashing input is kept as build/fuzz/artifacts/TARGET-crash-<sha1> (replay: build/fuzz/TARGET FILE).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:?usage: fuzz/run.sh RUNS [TARGET...]}
shift
build=${FUZZ_BUILD:-build/fuzz}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/*.c; do targets+=("$(basename "$f" .c)"); done
fi

mkdir -p "$build/artifacts"
printf '%-16s %12s %8s %8s %8s %8s\n' target executions seconds cov ft corpus
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t"
  log="$build/$t.$runs.log" # one per run length, so a short run beside a long one keeps its own
  start=$(date +%s)
  if ! "$build/$t" -runs="$runs" -max_len=4096 -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
      "$build/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1; then
    echo "fuzz target $t FAILED; its log: $log" >&2
    grep -E 'invariant broken|ERROR|runtime error|SUMMARY|Test unit written' "$log" >&2 || tail -20 "$log" >&2
    exit 1
  fi
  seconds=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$done_line")
  printf '%-16s %12s %8s %8s %8s %8s\n' "$t" "$execs" "$seconds" "${cov:-?}" "${ft:-?}" "${corp:-?}"
  if [ "${execs:-0}" -lt "$runs" ]; then
    echo "fuzz target $t ran $execs times, fewer than $runs" >&2
    exit 1
  fi
done
