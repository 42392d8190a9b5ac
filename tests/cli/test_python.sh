#!/usr/bin/env bash
# The Python binding's pytest suite (python/tests) against the build's libspecl.so and specl CLI,
# one PASS/FAIL/SKIP line per pytest test (python_<file>.<test>) so that tests/run.sh counts them,
# then pytest's own summary line. Needs Debian's python3-pytest, -numpy, -scipy and -torch
# (scripts/setup-deps.sh installs them); a missing one is a FAIL, not a skip.
# An AddressSanitizer build's libspecl.so cannot be loaded into an uninstrumented python3, so the
# sanitizer tier (SPECL_TEST_QUICK=1, make test-asan) only prints a NOTE and runs nothing.
set -u
B=${SPECL_BIN:?SPECL_BIN must point at the specl binary}
PY=${PYTHON:-/usr/bin/python3}   # Debian's python3 (the pyenv python3 on PATH may lack numpy and torch)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=$(cd "$(dirname "$B")" && pwd)
LIB="$BUILD_DIR/libspecl.so"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

if [ "${SPECL_TEST_QUICK:-0}" = 1 ] || nm -D "$LIB" 2>/dev/null | grep -q '__asan_init'; then
  echo "NOTE python suite not run in the sanitizer tier: an ASan-instrumented $LIB cannot be dlopened by an uninstrumented python3 (make test runs it)"
  exit 0
fi
if [ ! -f "$LIB" ]; then echo "FAIL python_suite: $LIB missing (make builds it)"; exit 1; fi
if ! "$PY" -c 'import pytest, numpy, scipy, torch' 2>"$T/imp"; then
  echo "FAIL python_suite: $PY cannot import pytest, numpy, scipy and torch ($(tail -n 1 "$T/imp")); run scripts/setup-deps.sh"
  exit 1
fi

# the package imports from the tree, with the version of the library it loads
v=$(cd "$T" && PYTHONPATH="$ROOT/python" SPECL_LIB="$LIB" "$PY" -c 'import specl; print(specl.__version__)' 2>&1)
want=$(sed -n 's/^#define SPECL_VERSION "\(.*\)"/\1/p' "$ROOT/include/specl.h")
[ "$v" = "$want" ] && echo "PASS python_version" || echo "FAIL python_version: got '$v', expected $want"

(cd "$ROOT" && PYTHONPATH="$ROOT/python" SPECL_LIB="$LIB" SPECL_BIN="$B" MPLBACKEND=Agg \
   "$PY" -m pytest -q -p no:cacheprovider --junitxml="$T/junit.xml" python/tests >"$T/out" 2>&1)
rc=$?
"$PY" - "$T/junit.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError) as e:
    print(f"FAIL python_suite: no pytest report ({e})")
    sys.exit(0)
for tc in root.iter("testcase"):
    mod = tc.get("classname", "").rsplit(".", 1)[-1]
    name = f"python_{mod}.{tc.get('name', '?')}".replace(" ", "_")
    bad = tc.find("failure") if tc.find("failure") is not None else tc.find("error")
    skip = tc.find("skipped")
    if bad is not None:
        msg = (bad.get("message") or "").splitlines()
        print(f"FAIL {name}: {msg[0][:300] if msg else 'failed'}")
    elif skip is not None:
        print(f"SKIP {name}: {(skip.get('message') or 'skipped').splitlines()[0][:300]}")
    else:
        print(f"PASS {name}")
PY
tail -n 1 "$T/out"
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then   # 1 = some tests failed (listed above); other codes: pytest itself failed
  echo "FAIL python_suite: pytest exited $rc"; tail -n 20 "$T/out"
elif [ $rc -eq 1 ]; then
  grep -E '^(E |FAILED|ERROR)' "$T/out" | head -n 40
fi
[ $rc -eq 0 ] || exit 1
exit 0
