#!/usr/bin/env bash
# Install the Debian packages that specl's build, tests and main job need; skip what is installed.
# Run by `make test` and `make reproduce`, so a fresh machine needs no other step.
# SPECL_FUZZ=1 (set by `make fuzz`) also installs the optional fuzzing set: clang and its
# compiler-rt (libFuzzer, ASan and UBSan runtimes).
# PyTorch (python3-torch) serves the Python binding's tests and is the other side of `make bench`.
set -euo pipefail
pkgs=(build-essential pkg-config libopenblas-dev liblapacke-dev libarpack2-dev libinih-dev libcjson-dev
      zlib1g-dev python3 python3-numpy python3-scipy gnuplot-nox dataset-fashion-mnist
      libopenmpi-dev openmpi-bin    # MPI: data-parallel `mpirun -np P specl train` (docs/mpi.md)
      valgrind                      # tests/cli/test_valgrind.sh
      chromium)                     # tests/cli/test_report.sh renders index.html headless
pkgs+=(python3-pytest python3-torch python3-matplotlib)   # the Python binding's suite (tests/cli/test_python.sh) and examples
if [ "${SPECL_FUZZ:-0}" = 1 ]; then pkgs+=(clang libclang-rt-14-dev); fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
