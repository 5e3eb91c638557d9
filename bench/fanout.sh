#!/usr/bin/env bash
# Results fan-out (issue 19, target 3): one node (Release, SQLite, fsync on) holds N results streams (SSE) while votes
# flow at 70% of the node's measured maximum, and every stream must get each published snapshot within 500 ms (p99).
# Reports the server's memory per idle stream (process RSS at 0, 5,000 and N idle streams, and the GC heap beside it),
# delivery latency per stream, streams held/dropped and snapshots missed. Writes bench/results/fanout-<UTC stamp>.md.
#
#   bench/fanout.sh                       # 19,000 streams, rate = 70% of a 10 s closed-loop maximum, 30 s of votes
#   bench/fanout.sh --rate 3000           # a fixed vote rate instead of measuring the maximum
#   bench/fanout.sh --streams 5000 --seconds 15
#
# The node's stream and connection caps are raised for this run through configuration only (defaults: 8,192 streams,
# 16,384 connections, 2,048/4,096 per network; every stream here comes from 127.0.0.1, one network), and its start-up
# descriptor reserve is lowered from 1,024 to 600 so that N + 300 connections fit the open-file limit of 20,000 (an
# idle node holds ~270 descriptors). The load generator is a second process with its own limit.
# Environment: BENCH_ARTIFACTS (build output; set your own), FANOUT_CONNECTIONS (vote connections, 64),
# FANOUT_SERVER_DLL (another server build to measure under the same client, e.g. a before/after comparison),
# FANOUT_GCDUMP=1 (also the live managed memory per stream: a dotnet-gcdump of the server in each hold, whose full
# collection leaves only what the streams keep alive; RSS is read first, and depends on when the GC last ran).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ARTIFACTS=${BENCH_ARTIFACTS:-/tmp/livevote-bench-artifacts}
STREAMS=19000
SECONDS_VOTES=30
RATE=""
CONNECTIONS=${FANOUT_CONNECTIONS:-64}
HOLD=6
GCDUMP=${FANOUT_GCDUMP:-}
while [[ $# -gt 0 ]]; do
  case $1 in
    --streams) STREAMS=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --seconds) SECONDS_VOTES=$2; shift 2 ;;
    *) echo "usage: bench/fanout.sh [--streams N] [--rate votes/s] [--seconds S]" >&2; exit 2 ;;
  esac
done
MID=$(( STREAMS > 5000 ? 5000 : STREAMS / 2 ))
# A gcdump of 19,000 streams' heap takes a few seconds: the holds are longer then.
[[ -n $GCDUMP ]] && HOLD=30

WORK=$(mktemp -d "${TMPDIR:-/tmp}/livevote-fanout.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK/data"
}
trap cleanup EXIT

for project in src/LiveVote.Server src/LiveVote.Cli; do
  dotnet build "$ROOT/$project" -c Release --artifacts-path "$ARTIFACTS" -v quiet -nologo >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; exit 1; }
done
GCDUMP_TOOL="$ARTIFACTS/tools/dotnet-gcdump"
if [[ -n $GCDUMP && ! -x $GCDUMP_TOOL ]]; then
  dotnet tool install dotnet-gcdump --tool-path "$ARTIFACTS/tools" >"$WORK/gcdump-install.log" 2>&1 \
    || { cat "$WORK/gcdump-install.log" >&2; exit 1; }
fi
# FANOUT_SERVER_DLL: another build of the server (e.g. the code before a change) under the same client.
SERVER_DLL=${FANOUT_SERVER_DLL:-"$ARTIFACTS/bin/LiveVote.Server/release/LiveVote.Server.dll"}
CLI_DLL="$ARTIFACTS/bin/LiveVote.Cli/release/LiveVote.Cli.dll"
# The load generator with a 16 MiB gen0 budget, as in bench/run.sh (its default made each of its collections stop it
# for 40-70 ms, which it counted as latency). LOADGEN_GC_ENV="" measures without it.
LOADGEN_GC_ENV=${LOADGEN_GC_ENV-DOTNET_GCgen0size=0x1000000}

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ADMIN_KEY="fanout-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
URL="http://127.0.0.1:$PORT"
mkdir -p "$WORK/data"
# Vote buckets raised and risk thresholds out of reach as in bench/run.sh (one client address); stream and connection
# caps raised for N streams from one network (see the header).
LiveVote__DataDirectory="$WORK/data" LiveVote__AdminKey="$ADMIN_KEY" LiveVote__Demo__Enabled=false \
  LiveVote__RateLimits__VotePerIp__TokenLimit=1000000000 LiveVote__RateLimits__VotePerIp__TokensPerPeriod=100000000 \
  LiveVote__RateLimits__VotePerNetwork__TokenLimit=1000000000 LiveVote__RateLimits__VotePerNetwork__TokensPerPeriod=100000000 \
  LiveVote__Risk__CaptchaThreshold=1000 LiveVote__Risk__BlockThreshold=1000 \
  LiveVote__Streams__MaxPerNode=$((STREAMS + 100)) LiveVote__Streams__MaxPerNetwork=$((STREAMS + 100)) \
  LiveVote__Connections__MaxPerNode=$((STREAMS + 300)) LiveVote__Connections__MaxPerNetwork=$((STREAMS + 300)) \
  LiveVote__Connections__ReservedDescriptors=600 \
  dotnet "$SERVER_DLL" --urls "$URL" --Logging:LogLevel:Default=Warning >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
for _ in $(seq 1 300); do curl -fs -o /dev/null "$URL/readyz" && break; sleep 0.1; done
curl -fs -o /dev/null "$URL/readyz" || { echo "server did not start:" >&2; cat "$WORK/server.log" >&2; exit 1; }

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
fds() { ls "/proc/$SERVER_PID/fd" | wc -l; }
# The server's CPU time so far (user + system), in clock ticks (/proc/<pid>/stat fields 14 and 15).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
# The GC heap from the server's own metrics (System.Runtime meter), when it exports it; "n/a" otherwise.
gc_heap_kib() {
  curl -fs "$URL/metrics" 2>/dev/null | awk '/^dotnet_gc_last_collection_heap_size_bytes/ {s += $NF} END {if (s > 0) printf "%d", s / 1024; else print "n/a"}'
}

if [[ -z $RATE ]]; then
  echo "Measuring the node's maximum (closed loop, $CONNECTIONS connections, 10 s)..." >&2
  env ${LOADGEN_GC_ENV:+"$LOADGEN_GC_ENV"} dotnet "$CLI_DLL" loadgen --url "$URL" --admin-key "$ADMIN_KEY" --connections "$CONNECTIONS" --duration 10 --warmup 2 \
    --viewers 200000 --out "$WORK/max.json" >"$WORK/max.md" 2>"$WORK/max.err" || { cat "$WORK/max.md" "$WORK/max.err" >&2; exit 1; }
  MAX=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["acceptedPerSecond"])' "$WORK/max.json")
  RATE=$(python3 -c "print(max(1, round(0.7 * $MAX)))")
  echo "Maximum $MAX accepted votes/s; running at $RATE votes/s." >&2
else
  MAX="not measured (fixed rate)"
fi
VIEWERS=$(python3 -c "print(int($RATE * ($SECONDS_VOTES + 5) * 1.2) + 1000)")

# Bounded: an open-loop run the node cannot keep up with would otherwise keep sending its backlog.
timeout --signal=INT $((SECONDS_VOTES + 300)) env ${LOADGEN_GC_ENV:+"$LOADGEN_GC_ENV"} dotnet "$CLI_DLL" loadgen --url "$URL" --admin-key "$ADMIN_KEY" --mode open --rate "$RATE" --duration "$SECONDS_VOTES" \
  --connections "$CONNECTIONS" --viewers "$VIEWERS" --subscribers "$STREAMS" --subscribers-hold-at "$MID" --subscribers-hold "$HOLD" \
  --out "$WORK/fanout.json" >"$WORK/fanout.md" 2>"$WORK/fanout.err" &
CLIENT_PID=$!
PIDS+=("$CLIENT_PID")

# Memory at 0, MID and N idle streams: read in the middle of each hold (the first line is printed as opening begins).
wait_for() { until grep -q "$1" "$WORK/fanout.err"; do kill -0 "$CLIENT_PID" 2>/dev/null || return 1; sleep 0.2; done; }
fmt() { python3 -c "print(f'{int(\"$1\"):,}')"; }
declare -A RSS GC FDS OPEN
declare -A LIVE
# Live managed bytes: the gcdump's own figure after the full collection it makes ("N GC Heap bytes").
live_kib() {
  local kib=""
  if "$GCDUMP_TOOL" collect -p "$SERVER_PID" -o "$WORK/at-$1.gcdump" >/dev/null 2>&1; then
    kib=$("$GCDUMP_TOOL" report "$WORK/at-$1.gcdump" 2>/dev/null | awk '/GC Heap bytes/ {gsub(",", "", $1); printf "%d", $1 / 1024; exit}')
  fi
  rm -f "$WORK/at-$1.gcdump"
  echo "${kib:-n/a}"
}
# (No gcdump at 0: that sample is taken as the streams begin to open, and the dump would stop the server meanwhile.)
sample() { RSS[$1]=$(rss_kib); GC[$1]=$(gc_heap_kib); FDS[$1]=$(fds); [[ -z $GCDUMP || $1 == 0 ]] || LIVE[$1]=$(live_kib "$1"); }
wait_for "Opening results streams 1\.\." && sample 0
for n in "$MID" "$STREAMS"; do
  if wait_for "Streams open: .* of $(fmt "$n") asked"; then
    sleep $((HOLD / 2)); sample "$n"
    OPEN[$n]=$(grep "Streams open: .* of $(fmt "$n") asked" "$WORK/fanout.err" | sed -E 's/Streams open: ([0-9,]+).*/\1/' | tr -d ,)
  fi
done
# Server CPU from the start of the votes to the end of the run (votes, fan-out, keep-alives, closing the streams):
# divided by the frames delivered, an upper bound of the CPU one delivered frame costs, which the machine's load
# does not change as it changes rates and latencies.
wait_for "Sending votes" || true
CPU_FROM=$(cpu_ticks); CPU_TO=$CPU_FROM; LOAD_FROM=$(cut -d' ' -f1-3 /proc/loadavg)
RSS_PEAK=0
while kill -0 "$CLIENT_PID" 2>/dev/null; do r=$(rss_kib || echo 0); (( r > RSS_PEAK )) && RSS_PEAK=$r; CPU_TO=$(cpu_ticks || echo "$CPU_TO"); sleep 0.5; done
LOAD_TO=$(cut -d' ' -f1-3 /proc/loadavg)
set +e; wait "$CLIENT_PID"; LOADGEN_EXIT=$?; set -e

STAMP=$(date -u +%Y-%m-%dT%H-%M-%SZ)
OUT="$ROOT/bench/results/fanout-$STAMP.md"
per_stream() { python3 -c "a,b,n='$1','$2','$3'; print('n/a' if 'n/a' in (a,b) or not n or int(n)==0 else round((int(b)-int(a))*1024/int(n)))"; }
{
  echo "# Fan-out: results streams, $STAMP"
  echo
  echo "Command: \`${GCDUMP:+FANOUT_GCDUMP=1 }${FANOUT_SERVER_DLL:+FANOUT_SERVER_DLL=$FANOUT_SERVER_DLL }bench/fanout.sh --streams $STREAMS --seconds $SECONDS_VOTES$([[ $MAX == not* ]] && echo " --rate $RATE")\` on $(nproc) cores (shared machine: figures are noisy); commit $(git -C "$ROOT" rev-parse --short HEAD)."
  echo "Node maximum: $MAX accepted votes/s (closed loop, $CONNECTIONS connections); votes at $RATE/s (open loop) for $SECONDS_VOTES s; loadgen exit $LOADGEN_EXIT."
  echo
  echo "| idle streams | server RSS KiB | GC heap KiB | descriptors | RSS per stream (bytes) | GC heap per stream (bytes) |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
  echo "| 0 | ${RSS[0]:-n/a} | ${GC[0]:-n/a} | ${FDS[0]:-n/a} | | |"
  for n in "$MID" "$STREAMS"; do
    held=${OPEN[$n]:-0}
    echo "| $held | ${RSS[$n]:-n/a} | ${GC[$n]:-n/a} | ${FDS[$n]:-n/a} | $(per_stream "${RSS[0]:-n/a}" "${RSS[$n]:-n/a}" "$held") | $(per_stream "${GC[0]:-n/a}" "${GC[$n]:-n/a}" "$held") |"
  done
  if [[ -n $GCDUMP ]]; then
    echo
    echo "Live managed memory (dotnet-gcdump, after its full collection): ${LIVE[$MID]:-n/a} KiB at ${OPEN[$MID]:-0}, ${LIVE[$STREAMS]:-n/a} KiB at ${OPEN[$STREAMS]:-0}: $(per_stream "${LIVE[$MID]:-n/a}" "${LIVE[$STREAMS]:-n/a}" "$(( ${OPEN[$STREAMS]:-0} - ${OPEN[$MID]:-0} ))") bytes per stream between the two holds."
  fi
  echo
  echo "Peak server RSS during the votes: $RSS_PEAK KiB."
  DELIVERIES=$(sed -nE 's/.*; delivered ([0-9,]+);.*/\1/p' "$WORK/fanout.md" | tr -d , | head -1)
  CPU_MS=$(( (CPU_TO - CPU_FROM) * 1000 / $(getconf CLK_TCK) ))
  echo "Server CPU from the first vote to the end: $CPU_MS ms for $DELIVERIES delivered frames ($(python3 -c "d=int('${DELIVERIES:-0}' or 0); print(f'{$CPU_MS * 1000 / d:.1f} us per frame' if d else 'n/a')")); load average $LOAD_FROM at the start, $LOAD_TO at the end."
  echo
  cat "$WORK/fanout.md"
} | tee "$OUT"
echo "Written to $OUT" >&2
