#!/usr/bin/env bash
# Run every test program in BUILD/tests and every CLI test script in tests/cli, count the PASS,
# FAIL and SKIP lines they print, and end with the line "N passed, N failed, N skipped".
#
# Result lines (at the start of a line, as tests/check.h and tests/cli/lib.bash print them):
#   PASS name            a case that ran and held
#   FAIL name: why       a case that ran and failed
#   SKIP name: reason    a case that did not run because a prerequisite is missing
#   NOTE text            information only, never counted (e.g. a case that runs in another tier)
# Before the count line every skipped case is listed with its reason (and every failure too).
# Under CI=true nothing skips: each SKIP line is printed again as "FAIL ...: skipped under CI=true"
# and counted as a failure. A program that exits non-zero without a FAIL line counts as one
# failure, and so does one that prints no PASS, FAIL, SKIP or NOTE line at all (a script that
# ran nothing must not vanish from the count). Exit status is non-zero on any failure or when
# nothing passed.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
export SPECL_BIN="$root/$build/specl"
ci=0; [ "${CI:-}" = true ] && ci=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
log="$tmp/log"; : >"$tmp/pass"; : >"$tmp/fail"; : >"$tmp/skip"

# judge NAME RC: print the program's log, then file its result lines
judge() {
  local name=$1 rc=$2
  cat "$log"
  grep '^PASS' "$log" >>"$tmp/pass"
  grep '^FAIL' "$log" | sed "s|^|[$name] |" >>"$tmp/fail"
  if [ $ci = 1 ]; then
    grep '^SKIP' "$log" | sed 's/^SKIP \(.*\)$/FAIL \1 (skipped under CI=true)/' >"$tmp/ci"
    cat "$tmp/ci"; sed "s|^|[$name] |" "$tmp/ci" >>"$tmp/fail"
  else
    grep '^SKIP' "$log" | sed "s|^|[$name] |" >>"$tmp/skip"
  fi
  if [ "$rc" -ne 0 ] && ! grep -q '^FAIL' "$log"; then
    echo "FAIL $name: exit $rc without a FAIL line"; echo "[$name] FAIL $name: exit $rc" >>"$tmp/fail"
  elif ! grep -qE '^(PASS|FAIL|SKIP|NOTE)' "$log"; then
    echo "FAIL $name: printed no PASS, FAIL, SKIP or NOTE line"; echo "[$name] FAIL $name: no result lines" >>"$tmp/fail"
  fi
}

for t in "$root/$build"/tests/test_*; do
  [ -x "$t" ] || continue
  echo "== $(basename "$t")"
  "$t" >"$log" 2>&1; rc=$?; judge "$(basename "$t")" $rc
done
for t in "$root"/tests/cli/*.sh; do
  [ -f "$t" ] || continue
  echo "== $(basename "$t")"
  bash "$t" >"$log" 2>&1; rc=$?; judge "$(basename "$t")" $rc
done

pass=$(wc -l <"$tmp/pass"); fail=$(wc -l <"$tmp/fail"); skip=$(wc -l <"$tmp/skip")
echo "=="
if [ "$skip" -gt 0 ]; then echo "skipped ($skip):"; sed 's/^/  /' "$tmp/skip"; fi
if [ "$fail" -gt 0 ]; then echo "failed ($fail):"; sed 's/^/  /' "$tmp/fail"; fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
