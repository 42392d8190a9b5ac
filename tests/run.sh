#!/usr/bin/env bash
# Run every test program in BUILD/tests and every CLI test script in tests/cli, count the PASS and
# FAIL lines they print, and end with "N passed, N failed". Exit status is non-zero on any failure.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
export SPECL_BIN="$root/$build/specl"
log=$(mktemp); trap 'rm -f "$log"' EXIT
status=0
for t in "$root/$build"/tests/test_*; do
  [ -x "$t" ] || continue
  echo "== $(basename "$t")"
  "$t" >"$log" 2>&1; rc=$?
  cat "$log"
  if [ $rc -ne 0 ] && ! grep -q '^FAIL' "$log"; then echo "FAIL $(basename "$t") (exit $rc)"; echo "FAIL crash" >>"$log.all"; fi
  cat "$log" >>"$log.all"
done
for t in "$root"/tests/cli/*.sh; do
  [ -f "$t" ] || continue
  echo "== $(basename "$t")"
  bash "$t" >"$log" 2>&1; rc=$?
  cat "$log"
  if [ $rc -ne 0 ] && ! grep -q '^FAIL' "$log"; then echo "FAIL $(basename "$t") (exit $rc)"; echo "FAIL crash" >>"$log.all"; fi
  cat "$log" >>"$log.all"
done
pass=$(grep -c '^PASS' "$log.all" 2>/dev/null || true)
fail=$(grep -c '^FAIL' "$log.all" 2>/dev/null || true)
rm -f "$log.all"
echo "${pass:-0} passed, ${fail:-0} failed"
[ "${fail:-0}" -eq 0 ] && [ "${pass:-0}" -gt 0 ] || status=1
exit $status
