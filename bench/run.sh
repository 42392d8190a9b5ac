#!/usr/bin/env bash
# `make bench`: specl against PyTorch on the CPU (bench/README.md). Usage: bench/run.sh BUILD [run.py options]
# The specl side runs with OMP_WAIT_POLICY=PASSIVE (exported here, as the specl CLI sets it for itself:
# libgomp's spinning threads and OpenBLAS's pthreads otherwise fight over the 2 cores); run.py hands
# the PyTorch processes the environment without it.
set -euo pipefail
BUILD=${1:-build}
shift || true
PY=${PYTHON:-/usr/bin/python3}   # Debian's python3: python3-torch, -numpy and -scipy live there
export OMP_WAIT_POLICY=PASSIVE
if ! "$PY" -c 'import torch, numpy, scipy' 2>/dev/null; then
  echo "bench: $PY cannot import torch, numpy and scipy (run: make bench-deps)" >&2
  exit 2
fi
exec "$PY" "$(dirname "$0")/run.py" --bin "$BUILD/bench/bench_specl" --data "$BUILD/bench-data" --python "$PY" "$@"
