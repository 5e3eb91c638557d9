#!/usr/bin/env bash
# What one request costs the server, in CPU microseconds, under wrk -t2 at 256 connections (issue 19, target 1):
#   baseline  bench/LiveVote.Baseline answering the vote-shaped request 202 (bare Kestrel: the machine's HTTP floor);
#   healthz   the real server's GET /healthz (its middleware pipeline and routing, no work);
#   refused   the real server refusing the vote request at the token check (401: a token it did not sign, the
#             request of bench/wrk/baseline.lua): the vote route's pipeline, body and token check, and a problem answer;
#   vote      (--votes) the real server taking a first vote with a fresh viewer token (SQLite, synchronous=FULL).
# Each run: a 5 s warm-up, then $REQUEST_COST_SECONDS (10) measured; server CPU from /proc, wrk's from its rusage.
# Rounds alternate the servers, so a VM whose speed drifts shows in every column alike.
#
#   bench/request-cost.sh                     # 3 rounds of baseline, healthz, refused
#   bench/request-cost.sh --votes --rounds 2  # and accepted votes (registers the tokens once, ~40 s)
#
# Environment: BENCH_ARTIFACTS (build output), REQUEST_COST_SERVER_DLL (a second server build, e.g. the code before a
# change: every round then measures both under the same client), REQUEST_COST_SECONDS, REQUEST_COST_CONNECTIONS (256).
# Writes bench/results/request-cost-<UTC stamp>.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ARTIFACTS=${BENCH_ARTIFACTS:-/tmp/livevote-bench-artifacts}
SECONDS_RUN=${REQUEST_COST_SECONDS:-10}
CONNECTIONS=${REQUEST_COST_CONNECTIONS:-256}
ROUNDS=3
VOTES=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --votes) VOTES=1; shift ;;
    *) echo "usage: bench/request-cost.sh [--rounds N] [--votes]" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
STAMP=$(date -u +%Y-%m-%dT%H-%M-%SZ)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/livevote-request-cost.XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
log() { echo "== $*" >&2; }

for project in src/LiveVote.Server src/LiveVote.Cli bench/LiveVote.Baseline; do
  dotnet build "$ROOT/$project" -c Release --artifacts-path "$ARTIFACTS" -v quiet -nologo >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; exit 1; }
done
SERVERS=("$ARTIFACTS/bin/LiveVote.Server/release/LiveVote.Server.dll")
[[ -n ${REQUEST_COST_SERVER_DLL:-} ]] && SERVERS+=("$REQUEST_COST_SERVER_DLL")
CLI_DLL="$ARTIFACTS/bin/LiveVote.Cli/release/LiveVote.Cli.dll"
BASELINE_DLL="$ARTIFACTS/bin/LiveVote.Baseline/release/LiveVote.Baseline.dll"
SAMPLE_TOKEN="$ROOT/bench/wrk/sample-token.txt"
ADMIN_KEY="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# Tokens are signed with this key, so every fresh server started with it takes them.
SIGNING_KEY="bench-signing-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_ready() { for _ in $(seq 1 300); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not ready: $1" >&2; return 1; }
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / hz}' "/proc/$1/stat"; }
# Managed bytes the server allocated so far (its /metrics; the baseline has none): unlike CPU time, a figure the
# machine's speed does not move, so a change's effect shows in it run after run.
allocated() {
  [[ -n $METRICS ]] || return 0
  curl -fsS "$METRICS/metrics" 2>/dev/null | awk '/^dotnet_gc_heap_total_allocated_bytes_total/ {printf "%d", $2}' || true
}

# measure LABEL SERVER-NAME PID wrk-args...: a warm-up (unless WARM=0), then the measured run; appends a table row.
measure() {
  local label=$1 name=$2 pid=$3; shift 3
  [[ ${WARM:-1} == 0 ]] || wrk -t2 -c"$CONNECTIONS" -d5s --timeout 10s "$@" >/dev/null 2>&1 || true
  local before allocated_before; before=$(cpu_seconds "$pid"); allocated_before=$(allocated)
  python3 -c 'import resource, subprocess, sys
code = subprocess.call(sys.argv[2:], stdout=open(sys.argv[1] + ".out", "w"), stderr=subprocess.STDOUT)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.3f" % (u.ru_utime + u.ru_stime))' "$WORK/wrk.cpu" \
    wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --timeout 10s "$@"
  local after allocated_after; after=$(cpu_seconds "$pid"); allocated_after=$(allocated)
  local requests rps statuses
  requests=$(awk '/requests in/ {print $1}' "$WORK/wrk.cpu.out")
  rps=$(awk '/Requests\/sec/ {printf "%d", $2}' "$WORK/wrk.cpu.out")
  statuses=$(grep -o '"statuses":{[^}]*}' "$WORK/wrk.cpu.out" | sed 's/"statuses"://' || echo "-")
  python3 -c "import sys; r=int(sys.argv[1]); a=sys.argv[10:12]; b='-' if '' in a else '{:,}'.format(round((int(a[1]) - int(a[0])) / r))
print('| %s | %s | %s | %s | %.1f | %.1f | %s | %s |' % (sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], (float(sys.argv[6]) - float(sys.argv[7])) * 1e6 / r, float(sys.argv[8]) * 1e6 / r, b, sys.argv[9]))" \
    "$requests" "$ROUND" "$label" "$name" "$rps" "$after" "$before" "$(cat "$WORK/wrk.cpu")" "$statuses" "$allocated_before" "$allocated_after" | tee -a "$WORK/rows.md"
}

start_server() { # dll -> sets PORT, SERVER_PID
  PORT=$(free_port)
  rm -rf "$WORK/data"; mkdir -p "$WORK/data"
  LiveVote__DataDirectory="$WORK/data" LiveVote__AdminKey="$ADMIN_KEY" LiveVote__TokenSigningKey="$SIGNING_KEY" LiveVote__Demo__Enabled=false \
  LiveVote__RateLimits__VotePerIp__TokenLimit=1000000000 LiveVote__RateLimits__VotePerIp__TokensPerPeriod=100000000 \
  LiveVote__RateLimits__VotePerNetwork__TokenLimit=1000000000 LiveVote__RateLimits__VotePerNetwork__TokensPerPeriod=100000000 \
  LiveVote__RateLimits__ReadPerIp__TokenLimit=1000000000 LiveVote__RateLimits__ReadPerIp__TokensPerPeriod=100000000 \
  LiveVote__Risk__CaptchaThreshold=1000 LiveVote__Risk__BlockThreshold=1000 \
    dotnet "$1" --urls "http://127.0.0.1:$PORT" --Logging:LogLevel:Default=Warning >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  wait_ready "http://127.0.0.1:$PORT/readyz"
}
stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; }
admin() { curl -fsS -H "X-Admin-Key: $ADMIN_KEY" -H 'Content-Type: application/json' "$@"; }
open_poll() { # url -> prints the id of a new open poll with four options
  local id
  id=$(admin -d '{"title":"cost","options":[{"id":"o1","label":"1"},{"id":"o2","label":"2"},{"id":"o3","label":"3"},{"id":"o4","label":"4"}]}' "$1/v1/polls" | jq -r .id)
  admin -X POST "$1/v1/polls/$id/open" -o /dev/null
  echo "$id"
}

if [[ $VOTES == 1 ]]; then
  # One token file for every vote run: each run's server starts on an empty store, so no token was used there.
  # 60,000 votes/s for the warm-up and the run is more than this machine takes.
  TOKENS=$(( 60000 * (SECONDS_RUN + 5) ))
  log "registering $TOKENS viewers"
  start_server "${SERVERS[0]}"
  dotnet "$CLI_DLL" loadgen --url "http://127.0.0.1:$PORT" --admin-key "$ADMIN_KEY" --viewers "$TOKENS" --export-tokens "$WORK/tokens.txt" >"$WORK/tokens.out" 2>&1 \
    || { cat "$WORK/tokens.out" >&2; exit 1; }
  stop_server
  # The warm-up takes the first third, the measured run the rest: no token twice on one server.
  head -n $(( TOKENS / 3 )) "$WORK/tokens.txt" >"$WORK/tokens-warm.txt"
  tail -n +$(( TOKENS / 3 + 1 )) "$WORK/tokens.txt" >"$WORK/tokens-run.txt"
fi

echo "| round | request | server | requests/s | server CPU µs per request | wrk CPU µs per request | server bytes allocated per request | statuses |" >"$WORK/rows.md"
echo "| ---: | --- | --- | ---: | ---: | ---: | ---: | --- |" >>"$WORK/rows.md"
for ROUND in $(seq 1 "$ROUNDS"); do
  log "round $ROUND: baseline"
  PORT=$(free_port)
  dotnet "$BASELINE_DLL" --urls "http://127.0.0.1:$PORT" >/dev/null 2>&1 &
  PIDS+=($!)
  wait_ready "http://127.0.0.1:$PORT/healthz"
  METRICS=""
  measure baseline "bare Kestrel" "${PIDS[-1]}" -s "$ROOT/bench/wrk/baseline.lua" "http://127.0.0.1:$PORT" -- "$SAMPLE_TOKEN"
  kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
  for i in "${!SERVERS[@]}"; do
    name=$([[ $i == 0 ]] && echo "this build" || echo "REQUEST_COST_SERVER_DLL")
    log "round $ROUND: $name"
    start_server "${SERVERS[$i]}"
    URL="http://127.0.0.1:$PORT"
    METRICS=$URL
    measure healthz "$name" "$SERVER_PID" "$URL/healthz"
    measure refused "$name" "$SERVER_PID" -s "$ROOT/bench/wrk/baseline.lua" "$URL" -- "$SAMPLE_TOKEN"
    if [[ $VOTES == 1 ]]; then
      WARM_POLL=$(open_poll "$URL")
      RUN_POLL=$(open_poll "$URL")
      # The warm-up's votes go to another poll with other tokens: a token voting twice would answer 200, not 201.
      wrk -t2 -c"$CONNECTIONS" -d5s --timeout 10s -s "$ROOT/bench/wrk/vote.lua" "$URL" -- "$WORK/tokens-warm.txt" "$WARM_POLL" 2 4 >/dev/null 2>&1 || true
      WARM=0 measure vote "$name" "$SERVER_PID" -s "$ROOT/bench/wrk/vote.lua" "$URL" -- "$WORK/tokens-run.txt" "$RUN_POLL" 2 4
    fi
    stop_server
  done
done

OUT="$ROOT/bench/results/request-cost-$STAMP.md"
{
  echo "# What one request costs the server ($STAMP)"
  echo
  echo "\`bench/request-cost.sh\`$([[ $VOTES == 1 ]] && echo " --votes") --rounds $ROUNDS; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end;" \
    "wrk -t2, $CONNECTIONS connections, ${SECONDS_RUN} s a run after a 5 s warm-up; commit $(git -C "$ROOT" rev-parse --short HEAD)."
  [[ -n ${REQUEST_COST_SERVER_DLL:-} ]] && echo "REQUEST_COST_SERVER_DLL: \`$REQUEST_COST_SERVER_DLL\`."
  echo
  cat "$WORK/rows.md"
} >"$OUT"
echo "wrote $OUT" >&2
