#!/usr/bin/env bash
# The end of `make fuzz`: one line per target from its libFuzzer log, then exit 1 if any target
# crashed, leaked, ran out of memory or time (or exited non-zero without saying why).
#   bash tests/fuzz/summary.sh BUILD_DIR SECONDS TARGET...
# Per target: executions, coverage (libFuzzer's `cov:`, edges of the instrumented code) at the
# start (after the seeds ran, the INITED line) and at the end, the in-memory corpus at the start and
# the end (the difference is the new corpus entries), and the findings with their files.
set -u
build=$1 seconds=$2
shift 2
echo "== fuzz summary ($seconds s per target; logs in $build/logs)"
status=0
for t in "$@"; do
  log=$build/logs/$t.log
  rc=$(cat "$build/logs/$t.rc" 2>/dev/null || echo 1)
  runs=$(sed -n 's/^Done \([0-9][0-9]*\) runs.*/\1/p' "$log" 2>/dev/null | tail -n 1)
  [ -n "$runs" ] || runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9][0-9]*\).*/\1/p' "$log" 2>/dev/null | tail -n 1)
  status_lines=$(grep -E '^#[0-9]+[[:space:]]+[A-Z]+.* cov: [0-9]+' "$log" 2>/dev/null)
  first=$(printf '%s\n' "$status_lines" | grep -m 1 -E '[[:space:]]INITED[[:space:]]')
  last=$(printf '%s\n' "$status_lines" | tail -n 1)
  cov0=$(printf '%s' "$first" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  cov1=$(printf '%s' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  corp0=$(printf '%s' "$first" | sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p')
  corp1=$(printf '%s' "$last" | sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p')
  arts=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" 2>/dev/null | grep -v '/slow-unit-')
  n=$(printf '%s' "$arts" | grep -c .)
  if [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; then n=1; arts="(exit status $rc without an artifact; see $log)"; fi
  new=?
  [ -n "$corp0" ] && [ -n "$corp1" ] && new=$((corp1 - corp0))
  echo "$t: ${runs:-0} executions, cov ${cov0:-?} -> ${cov1:-?}, corpus ${corp0:-?} -> ${corp1:-?} ($new new), findings: $n"
  if [ "$n" -ne 0 ]; then status=1; printf '%s\n' "$arts" | sed 's/^/  /'; fi
done
exit $status
