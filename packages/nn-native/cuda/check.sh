#!/usr/bin/env bash
# The whole CUDA check on a GPU machine, one command (no Node needed: vectors.bin is committed):
#   bash packages/nn-native/cuda/check.sh
# Builds the kernels and driver, checks them against the TypeScript reference vectors, times a
# training step on workloads A and C, and, when PyTorch with CUDA is there, times the same step
# in PyTorch for the ratio. Exit code: the driver's (1 on any mismatch).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${NNCUDA_BUILD:-$here/build}"
nvidia-smi -L || echo '{"warning":"nvidia-smi failed"}'
mkdir -p "$build"
# "native" needs CMake >= 3.24; older CMake gets sm_90 (H100/H200). CUDA_ARCH overrides both.
configure() { cmake -S "$here" -B "$build" -DCMAKE_CUDA_ARCHITECTURES="$1" >"$build/configure.log" 2>&1; }
if [ -n "${CUDA_ARCH:-}" ]; then configure "$CUDA_ARCH"; else configure native || { rm -rf "$build/CMakeCache.txt" "$build/CMakeFiles"; configure 90; }; fi ||
  { cat "$build/configure.log"; exit 1; }
grep 'nncuda:' "$build/configure.log" || true
cmake --build "$build" -j >"$build/build.log" 2>&1 || { cat "$build/build.log"; exit 1; }
rc=0
"$build/driver" "$here/vectors.bin" || rc=$?
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  python3 "$here/torch_step.py" || echo '{"warning":"torch_step.py failed"}'
else
  echo '{"torch":"not available, no peer timing"}'
fi
exit $rc
