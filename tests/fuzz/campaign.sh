#!/usr/bin/env bash
# An offline fuzzing campaign: runs each libFuzzer harness that
# tests/fuzz/run.sh built until it has executed at least EXECUTIONS inputs,
# in chunks of CHUNK seconds that share one growing corpus, and fails on
# the first crash, leak, timeout (10 s per input) or sanitizer report.
#
#   bash tests/fuzz/run.sh 1 /tmp/nabla-fuzz       # build and seed first
#   bash tests/fuzz/campaign.sh 10000000 /tmp/nabla-fuzz [HARNESS...]
#
# Chunks start under SCHED_IDLE (chrt --idle), so a campaign only takes
# CPU time nothing else wants; with FUZZ_PAUSE_WHILE set to a pgrep -f
# pattern, no chunk starts while a matching process runs (a benchmark,
# say). Counts are libFuzzer's stat::number_of_executed_units summed over
# chunks, so they include each chunk's replay of the corpus. Appends one
# line per chunk to BUILD_DIR/campaign.log and prints a total per harness.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
target="${1:?usage: campaign.sh EXECUTIONS [BUILD_DIR] [HARNESS...]}"
out="${2:-${TMPDIR:-/tmp}/nabla-fuzz}"
shift $(( $# >= 2 ? 2 : 1 ))
harnesses=("$@")
[[ ${#harnesses[@]} -gt 0 ]] || harnesses=(graph_file checkpoint idx plugin_info)
chunk="${CHUNK:-60}"
[[ "$target" =~ ^[1-9][0-9]*$ ]] || { echo "campaign: EXECUTIONS must be a whole number > 0, not '$target'" >&2; exit 2; }
[[ "$chunk" =~ ^[1-9][0-9]*$ ]] || { echo "campaign: CHUNK must be whole seconds > 0, not '$chunk'" >&2; exit 2; }
status=0
for harness in "${harnesses[@]}"; do
  fuzzer="$out/${harness}_fuzzer"
  [[ -x "$fuzzer" && -d "$out/corpus/$harness" ]] ||
    { echo "campaign: no $fuzzer or corpus: run tests/fuzz/run.sh first" >&2; exit 2; }
  total=0 chunks=0 started=$(date +%s)
  mkdir -p "$out/crashes/$harness"
  while (( total < target )); do
    if [[ -n "${FUZZ_PAUSE_WHILE:-}" ]]; then
      while pgrep -f "$FUZZ_PAUSE_WHILE" >/dev/null; do sleep 10; done
    fi
    log="$out/campaign-$harness.log"
    if ! ASAN_OPTIONS=detect_leaks=1 chrt --idle 0 "$fuzzer" -max_total_time="$chunk" \
        -runs=$(( target - total )) -rss_limit_mb=4096 -timeout=10 -max_len=131072 \
        -print_final_stats=1 -artifact_prefix="$out/crashes/$harness/" \
        "$out/corpus/$harness" >"$log" 2>&1; then
      echo "campaign: $harness: FAILED after $total executions; see $log and $out/crashes/$harness" >&2
      grep -E "ERROR|SUMMARY|==[0-9]+==" "$log" | head -n 20 >&2
      status=1
      break
    fi
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    total=$(( total + ${runs:-0} )) chunks=$(( chunks + 1 ))
    echo "$(date -u +%FT%TZ) $harness chunk $chunks: ${runs:-0} executions (total $total)" \
      >>"$out/campaign.log"
  done
  (( status == 0 )) || break
  echo "campaign: $harness: $total executions in $chunks chunks, $(( $(date +%s) - started )) s wall, no crash"
done
exit "$status"
