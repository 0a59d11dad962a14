#!/usr/bin/env bash
# Builds against the CPU stand-in (cuda_runtime.h here): kernels.cu's launches
# `k<<<grid, block, ...>>>(args);` are rewritten to nnemu::launch(grid, block, [&]{ k(args); }).
# Usage:
#   bash cuda/emulate/build.sh OUT_DIR          → OUT_DIR/driver-emulated (the C++ driver)
#   bash cuda/emulate/build.sh OUT_DIR addon    → OUT_DIR/nn_cuda_emulated.node (the N-API binding,
#       cuda/binding.cc; needs NODE_INCLUDE (node_api.h's folder) and NAPI_INCLUDE (node-addon-api's))
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: build.sh OUT_DIR [driver|addon]}"
target="${2:-driver}"
mkdir -p "$out"
python3 - "$here/../kernels.cu" "$out/kernels.emulated.cpp" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
def split_top(s):
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch == "," and depth == 0:
            parts.append(cur.strip()); cur = ""; continue
        depth += ch in "(<[" ; depth -= ch in ")>]"
        cur += ch
    parts.append(cur.strip())
    return parts
def repl(m):
    cfg = split_top(m.group(2))
    return f"nnemu::launch(dim3({cfg[0]}), dim3({cfg[1]}), [&] {{ {m.group(1)}({m.group(3)}); }});"
out, n = re.subn(r"(\w+)<<<(.*?)>>>\((.*?)\);", repl, src)
if n == 0: sys.exit("no kernel launches found in kernels.cu")
open(sys.argv[2], "w").write('#include "kernels.cuh"\n' + out)
PY
case "$target" in
  driver)
    g++ -std=c++20 -O1 -pthread -Wno-unknown-pragmas -I"$here" -I"$here/.." \
      "$out/kernels.emulated.cpp" "$here/../driver.cpp" -o "$out/driver-emulated" ;;
  addon)
    : "${NODE_INCLUDE:?NODE_INCLUDE: the folder with node_api.h}" "${NAPI_INCLUDE:?NAPI_INCLUDE: the folder with napi.h}"
    # Same N-API settings as binding.gyp; -O1 keeps the compile short (the emulation is slow anyway).
    g++ -std=c++20 -O1 -shared -fPIC -pthread -Wno-unknown-pragmas -DNNCUDA_EMULATED \
      -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED \
      -I"$here" -I"$here/.." -I"$NAPI_INCLUDE" -I"$NODE_INCLUDE" \
      "$out/kernels.emulated.cpp" "$here/../binding.cc" -o "$out/nn_cuda_emulated.node.tmp"
    mv "$out/nn_cuda_emulated.node.tmp" "$out/nn_cuda_emulated.node" ;;  # never a half-written addon
  *) echo "build.sh: unknown target $target (driver or addon)" >&2; exit 2 ;;
esac
