#!/usr/bin/env bash
# Where the vote path's CPU goes: runs the real server (Release, SQLite, fsync on) under `livevote loadgen` closed-loop
# and samples both processes with Linux perf during the measured window, then prints a summary per process: the
# system calls, the nearest managed frame of each sample ("self" time by .NET method) and inclusive time by method.
#
#   bench/profile.sh                          # the vote path: 64 connections, 20 s run, 8 s of samples
#   PROFILE_TARGET=baseline bench/profile.sh  # the bare Kestrel baseline under the same client, for comparison
#
# Needs `perf` (Debian: linux-perf) and root or perf_event_paranoid <= 1. The processes run with
# DOTNET_PerfMapEnabled=1 (perf reads JIT symbols from /tmp/perf-<pid>.map) and W^X off so those symbols resolve.
# The samples start after PROFILE_WARMUP seconds of votes (20): with the 3 s used before, the JIT was still compiling
# the vote path's tier-1 code in the sampled window (libclrjit 17% of the server's samples 9 s in, 3% after 25 s) and
# the figures measured the start-up, not the steady state (bench/README.md, "Second round").
# Environment: PROFILE_CONNECTIONS (64), PROFILE_SECONDS (20), PROFILE_WARMUP (20), PROFILE_VIEWERS (700000: enough
# first votes for the warm-up and the run at ~16k/s), PROFILE_SERVER_ENV (extra
# VAR=value settings for the server, e.g. LiveVote__Ingest__MaxBatchDelayMs=0), BENCH_ARTIFACTS (build output).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ARTIFACTS=${BENCH_ARTIFACTS:-/tmp/livevote-bench-artifacts}
CONNECTIONS=${PROFILE_CONNECTIONS:-64}
SECONDS_TOTAL=${PROFILE_SECONDS:-20}
VIEWERS=${PROFILE_VIEWERS:-700000}
WARMUP=${PROFILE_WARMUP:-20}
command -v perf >/dev/null || { echo "perf is missing: apt-get install linux-perf" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/livevote-profile.XXXXXX")
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK/data"' EXIT

for project in src/LiveVote.Server src/LiveVote.Cli bench/LiveVote.Baseline; do
  dotnet build "$ROOT/$project" -c Release --artifacts-path "$ARTIFACTS" -v quiet -nologo >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; exit 1; }
done

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ADMIN_KEY="profile-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
mkdir -p "$WORK/data"
# The same settings as bench/run.sh: one client address, so its buckets are raised and the risk thresholds put out of
# reach; the limiters and the scorer still run on every vote.
if [[ ${PROFILE_TARGET:-server} == baseline ]]; then
  DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 \
    dotnet "$ARTIFACTS/bin/LiveVote.Baseline/release/LiveVote.Baseline.dll" --urls "http://127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
  LOADGEN_ARGS=(--baseline)
  READY=healthz
else
  env ${PROFILE_SERVER_ENV:-} DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 \
    LiveVote__DataDirectory="$WORK/data" LiveVote__AdminKey="$ADMIN_KEY" LiveVote__Demo__Enabled=false \
    LiveVote__RateLimits__VotePerIp__TokenLimit=1000000000 LiveVote__RateLimits__VotePerIp__TokensPerPeriod=100000000 \
    LiveVote__RateLimits__VotePerNetwork__TokenLimit=1000000000 LiveVote__RateLimits__VotePerNetwork__TokensPerPeriod=100000000 \
    LiveVote__Risk__CaptchaThreshold=1000 LiveVote__Risk__BlockThreshold=1000 \
    dotnet "$ARTIFACTS/bin/LiveVote.Server/release/LiveVote.Server.dll" --urls "http://127.0.0.1:$PORT" \
    --Logging:LogLevel:Default=Warning >"$WORK/server.log" 2>&1 &
  LOADGEN_ARGS=(--admin-key "$ADMIN_KEY" --viewers "$VIEWERS")
  READY=readyz
fi
SERVER_PID=$!
PIDS+=("$SERVER_PID")
for _ in $(seq 1 300); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/$READY" && break; sleep 0.1; done

DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 dotnet "$ARTIFACTS/bin/LiveVote.Cli/release/LiveVote.Cli.dll" loadgen \
  --url "http://127.0.0.1:$PORT" "${LOADGEN_ARGS[@]}" --connections "$CONNECTIONS" --duration "$SECONDS_TOTAL" --warmup "$WARMUP" >"$WORK/loadgen.out" 2>&1 &
CLIENT_PID=$!
PIDS+=("$CLIENT_PID")

# Sample only while votes flow (registration of the viewers comes first), 499 Hz on every CPU.
for _ in $(seq 1 3000); do grep -q "Warm-up done" "$WORK/loadgen.out" 2>/dev/null && break; sleep 0.1; done
sleep 1
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime, in clock ticks
lines_before=$(grep -c 'answers/s' "$WORK/loadgen.out" || true)
allocated() {  # the server's dotnet_gc_heap_total_allocated_bytes_total (System.Runtime meter); 0 for the baseline
  curl -fs "http://127.0.0.1:$PORT/metrics" 2>/dev/null | awk '/^dotnet_gc_heap_total_allocated_bytes_total/ {print $2}' | head -1 | grep . || echo 0
}
alloc_before=$(allocated)
server_before=$(cpu_ticks "$SERVER_PID"); client_before=$(cpu_ticks "$CLIENT_PID")
perf record -F 499 -g -a -o "$WORK/perf.data" -- sleep $((SECONDS_TOTAL / 2 > 4 ? SECONDS_TOTAL / 2 - 2 : 2)) >"$WORK/perf.log" 2>&1
server_after=$(cpu_ticks "$SERVER_PID"); client_after=$(cpu_ticks "$CLIENT_PID")
alloc_after=$(allocated)
# Answers in the window: the per-second progress lines printed while perf ran.
answers=$(grep 'answers/s' "$WORK/loadgen.out" | tail -n +$((lines_before + 1)) | sed -E 's/^\[ *[0-9]+s\] +([0-9,]+) answers.*/\1/' | tr -d , \
  | awk '{s += $1} END {print s + 0}')
wait "$CLIENT_PID" || true
grep -E "measured:" "$WORK/loadgen.out" || true
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$server_before" "$server_after" "$client_before" "$client_after" "$answers" "$(getconf CLK_TCK)" \
  "$alloc_before" "$alloc_after" <<'PY'
import sys
sb, sa, cb, ca, answers, hz, ab, aa = map(float, sys.argv[1:])
if answers > 0:
    print(f"CPU per answered request during the sampled window ({answers:.0f} answers): "
          f"server {1e6 * (sa - sb) / hz / answers:.0f} us, load generator {1e6 * (ca - cb) / hz / answers:.0f} us")
    if aa > ab:
        print(f"Server heap allocations per answered request: {(aa - ab) / answers:.0f} bytes "
              "(everything the process allocated in the window: Kestrel, middleware, endpoint, writer, results, metrics)")
PY
python3 "$ROOT/bench/perf-summary.py" "$WORK/perf.data" server "$SERVER_PID" client "$CLIENT_PID"
