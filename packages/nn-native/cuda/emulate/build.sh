#!/usr/bin/env bash
# Builds the driver against the CPU stand-in (cuda_runtime.h here): kernels.cu's launches
# `k<<<grid, block, ...>>>(args);` are rewritten to nnemu::launch(grid, block, [&]{ k(args); });
# Usage: bash cuda/emulate/build.sh OUT_DIR   → OUT_DIR/driver-emulated
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: build.sh OUT_DIR}"
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
g++ -std=c++20 -O1 -pthread -Wno-unknown-pragmas -I"$here" -I"$here/.." \
  "$out/kernels.emulated.cpp" "$here/../driver.cpp" -o "$out/driver-emulated"
