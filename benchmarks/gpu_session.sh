#!/usr/bin/env bash
# One GPU session: GPT-2-shaped throughput and MFU at four sizes, then a small IsoFLOP sweep on the
# demo corpus, every figure written to $OUT as it comes (a step cut by its time limit loses only itself).
#
#   OUT=results bash benchmarks/gpu_session.sh                      # on a CUDA machine
#   OUT=/tmp/dry DEVICE=cpu SWEEP_COMPUTE=2e9..4e9:2 bash benchmarks/gpu_session.sh   # dry run on a CPU
#
# The sweep's runs are fitted afterwards, anywhere: scalinglab sweep export --db runs.sqlite, then isoflop.
set -uo pipefail
cd "$(dirname "$0")/.."
: "${OUT:?set OUT to the folder for the results}"
DEVICE=${DEVICE:-cuda}
SWEEP_COMPUTE=${SWEEP_COMPUTE:-1e13..1e14:3}
DEADLINE=${DEADLINE:-540}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT"
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1

{ nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv 2>&1
  "$PYTHON" -c 'import sys, torch; print(sys.version.split()[0], torch.__version__, torch.cuda.is_available())'
} > "$OUT/device.txt"

left() { echo $((DEADLINE - SECONDS)); }

throughput() {  # model, time limit
  local limit=$2
  [ "$(left)" -lt "$limit" ] && limit=$(left)
  [ "$limit" -lt 30 ] && { echo "skip $1: $(left) s left" >> "$OUT/log.txt"; return; }
  echo "$(date +%T) throughput $1 (limit $limit s)" >> "$OUT/log.txt"
  timeout "$limit" "$PYTHON" benchmarks/gpu_throughput.py --model "$1" --steps 30 --warmup 10 --json \
    > "$OUT/throughput-$1.json" 2>> "$OUT/log.txt" || echo "throughput $1: exit $?" >> "$OUT/log.txt"
}

throughput gpt2-1558m 200
throughput gpt2-124m 100

echo "$(date +%T) sweep $SWEEP_COMPUTE on $DEVICE" >> "$OUT/log.txt"
sweep=$(mktemp -d)
timeout $(( $(left) > 60 ? $(left) - 20 : 40 )) "$PYTHON" -m scalinglab sweep run --compute "$SWEEP_COMPUTE" \
  --sizes 5 --spread 2 --n-ctx 256 --max-epochs 10 --device "$DEVICE" --no-compile --name gpu-isoflop \
  --out "$sweep" --cache-dir "$sweep/cache" --json > "$OUT/sweep.json" 2>> "$OUT/log.txt" \
  || echo "sweep: exit $?" >> "$OUT/log.txt"
cp "$sweep/runs.sqlite" "$OUT/runs.sqlite" 2>> "$OUT/log.txt"

throughput gpt2-774m 120
throughput gpt2-355m 100
echo "$(date +%T) done after $SECONDS s" >> "$OUT/log.txt"
