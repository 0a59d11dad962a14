#!/usr/bin/env bash
# The whole CUDA check on a GPU machine, one command (no Node needed: vectors.bin is committed):
#   bash packages/nn-native/cuda/check.sh
# Builds the kernels and driver, checks them against the TypeScript reference vectors, times a
# training step on workloads A and C, builds and tests the N-API binding when Node is there,
# and, when PyTorch with CUDA is there, times the same step in PyTorch for the ratio.
# Exit code: 1 on any mismatch (driver or binding tests), else 0.
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
# The N-API binding (cuda/binding.cc) needs Node's headers: where Node and the repo's
# node_modules are, build the addon with the real nvcc/cudart (cuBLAS when found) and run the
# conformance suite on this GPU. The driver above already ran CudaNet's session methods
# (growing the batch, clipping, Σg², forward, cost, preactivations) on the device.
repo="$(cd "$here/../../.." && pwd)"
if command -v node >/dev/null && [ -d "$repo/node_modules/node-addon-api" ]; then
  arch="native"
  [ -n "${CUDA_ARCH:-}" ] && arch="sm_$CUDA_ARCH"
  (cd "$here/.." && NNCUDA_ARCH="$arch" node scripts/build-cuda.mjs) || rc=1
  (cd "$repo" && npx vitest run packages/nn-native/test/cuda-binding.test.ts) || rc=1
else
  echo '{"binding":"not built here: no node or no node_modules (the C++ layer under it ran in the driver)"}'
fi
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  python3 "$here/torch_step.py" || echo '{"warning":"torch_step.py failed"}'
else
  echo '{"torch":"not available, no peer timing"}'
fi
exit $rc
