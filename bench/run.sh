#!/usr/bin/env bash
# The side-by-side benchmark of issue 4, in one invocation on this machine, with the same client (livevote loadgen)
# and the same connection count for both servers:
#   1. bare Kestrel baseline (bench/LiveVote.Baseline: parse the vote JSON, answer 202): the machine's HTTP limit;
#   2. the real server, SQLite with synchronous=FULL (fsync on, as in production), data in a temp dir, closed-loop;
#   3. the real server open-loop at 70% of the throughput measured in 2;
#   4. wrk -t2 (bench/wrk/*.lua) against both at 64 and 256 connections, back to back: the baseline with the same
#      request, the vote path with a fresh pre-registered viewer token per request (livevote loadgen --export-tokens),
#      each vote run on its own poll, then checked: every answer 201, and the poll's results total equals the 201s wrk
#      saw (plus at most the votes still in flight when wrk stopped, whose answers it never read).
# Prints a table and writes bench/results/<date>.json + .md + .svg (latency and throughput over time).
#
#   bench/run.sh           full run (about 5 minutes: the wrk vote runs register their viewers first)
#   bench/run.sh --quick   smoke test (about a minute): short runs, results in a temp dir, exit 1 if a check fails
#
# Environment: BENCH_CONNECTIONS (256), BENCH_SECONDS, BENCH_WRK_SECONDS (10; 1 with --quick), BENCH_ARTIFACTS
# (build output, outside the tree).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
QUICK=0
if [[ ${1:-} == --quick ]]; then QUICK=1; elif [[ $# -gt 0 ]]; then echo "usage: bench/run.sh [--quick]" >&2; exit 2; fi

# 256 connections, not wrk's usual 64: a durable vote waits for its batch's fsync, so by Little's law 64 requests in
# flight cap the vote path near 64 / 5 ms = 12.8k/s whatever the CPU could do, while the baseline hardly changes
# (29.4k at 64, 32.3k at 256). A node on air holds thousands of connections. bench/README.md has both figures.
CONNECTIONS=${BENCH_CONNECTIONS:-256}
ARTIFACTS=${BENCH_ARTIFACTS:-/tmp/livevote-bench-artifacts}
if [[ $QUICK == 1 ]]; then
  SECONDS_PER_RUN=${BENCH_SECONDS:-2}; WARMUP=1; CLOSED_VIEWERS=15000; WRK_SECONDS=${BENCH_WRK_SECONDS:-1}
else
  SECONDS_PER_RUN=${BENCH_SECONDS:-15}; WARMUP=3; CLOSED_VIEWERS=200000; WRK_SECONDS=${BENCH_WRK_SECONDS:-10}
fi
WRK_CONNECTIONS=(64 256)
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
STAMP=$(date -u +%Y-%m-%dT%H-%M-%SZ)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/livevote-bench.XXXXXX")
RESULTS=$([[ $QUICK == 1 ]] && echo "$WORK/results" || echo "$ROOT/bench/results")
mkdir -p "$RESULTS"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK/data"
}
trap cleanup EXIT

log() { echo "== $*" >&2; }

# CPU seconds (user + system) of a process so far, from /proc: a server's share of a wrk run. `timeout` runs each
# server as its child, so the process is the child of the PID the script holds.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / hz}' "/proc/$1/stat" 2>/dev/null || echo 0; }
child_of() { awk '{print $1}' "/proc/$1/task/$1/children" 2>/dev/null | grep . || echo "$1"; }
# wrk, with the CPU seconds of the server (pid $2) and of wrk itself written as JSON to $1: both share the 2 cores, so
# a ratio of rates is explained by the CPU each side spends per request.
timed_wrk() { # cpu-json, server-pid, wrk args...
  local out=$1 server=$2; shift 2
  local before; before=$(cpu_seconds "$server")
  python3 -c 'import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
u = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.3f" % (u.ru_utime + u.ru_stime))
sys.exit(code)' "$out.client" wrk "$@" || true
  echo "{\"serverCpuSeconds\": $(python3 -c "print(round($(cpu_seconds "$server") - $before, 3))"), \"wrkCpuSeconds\": $(cat "$out.client" 2>/dev/null || echo 0)}" >"$out"
}

log "Release build into $ARTIFACTS"
for project in src/LiveVote.Server src/LiveVote.Cli bench/LiveVote.Baseline; do
  dotnet build "$ROOT/$project" -c Release --artifacts-path "$ARTIFACTS" -v quiet -nologo >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; exit 1; }
done
SERVER_DLL="$ARTIFACTS/bin/LiveVote.Server/release/LiveVote.Server.dll"
CLI_DLL="$ARTIFACTS/bin/LiveVote.Cli/release/LiveVote.Cli.dll"
BASELINE_DLL="$ARTIFACTS/bin/LiveVote.Baseline/release/LiveVote.Baseline.dll"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_ready() { # url
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "server at $1 did not become ready" >&2; return 1
}

# The load generator's GC: a 16 MiB gen0 budget, so its collections are short and frequent instead of rare stops of
# tens of ms that it counted as latency (bench/README, "Third round"; the server's own GC is left as it ships).
# An environment variable because the runtime takes this knob from none of the project's settings. LOADGEN_GC_ENV=""
# measures without it.
LOADGEN_GC_ENV=${LOADGEN_GC_ENV-DOTNET_GCgen0size=0x1000000}
loadgen() { # label, args...
  local label=$1; shift
  log "loadgen $label: $*"
  local status=0
  env ${LOADGEN_GC_ENV:+"$LOADGEN_GC_ENV"} dotnet "$CLI_DLL" loadgen "$@" --out "$WORK/$label.json" >"$WORK/$label.out" || status=$?
  echo "$status" >"$WORK/$label.exit"
}

# 1. Bare Kestrel baseline.
PORT=$(free_port)
timeout 900 dotnet "$BASELINE_DLL" --urls "http://127.0.0.1:$PORT" &
PIDS+=($!)
wait_ready "http://127.0.0.1:$PORT/healthz"
loadgen baseline --baseline --url "http://127.0.0.1:$PORT" --connections "$CONNECTIONS" --duration "$SECONDS_PER_RUN" --warmup "$WARMUP"
for c in "${WRK_CONNECTIONS[@]}"; do
  log "wrk baseline, $c connections, ${WRK_SECONDS} s"
  # The same bytes as a vote: bench/wrk/sample-token.txt is a real viewer token (issued under a throwaway key; the
  # baseline checks none), so both servers parse a request of the same size (the vote runs' token length is checked below).
  WRK_REPORT="$WORK/wrk-baseline-$c.json" timed_wrk "$WORK/wrk-baseline-$c-cpu.json" "$(child_of "${PIDS[-1]}")" \
    -t2 -c"$c" -d"${WRK_SECONDS}s" --timeout 10s -s "$ROOT/bench/wrk/baseline.lua" "http://127.0.0.1:$PORT" \
    -- "$ROOT/bench/wrk/sample-token.txt" >"$WORK/wrk-baseline-$c.out" 2>&1
done
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true

# 2 + 3. The real server: SQLite, synchronous=FULL (the default, never changed here), data in a temp dir. All load
# comes from 127.0.0.1 with brand-new tokens, so the per-IP/per-network vote buckets are raised and the risk
# thresholds put out of reach; the limiters and the scorer still run on every vote.
PORT=$(free_port)
ADMIN_KEY="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
mkdir -p "$WORK/data"
LiveVote__DataDirectory="$WORK/data" LiveVote__AdminKey="$ADMIN_KEY" LiveVote__Demo__Enabled=false \
LiveVote__RateLimits__VotePerIp__TokenLimit=1000000000 LiveVote__RateLimits__VotePerIp__TokensPerPeriod=100000000 \
LiveVote__RateLimits__VotePerNetwork__TokenLimit=1000000000 LiveVote__RateLimits__VotePerNetwork__TokensPerPeriod=100000000 \
LiveVote__Risk__CaptchaThreshold=1000 LiveVote__Risk__BlockThreshold=1000 \
  timeout 1800 dotnet "$SERVER_DLL" --urls "http://127.0.0.1:$PORT" --Logging:LogLevel:Default=Warning >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
URL="http://127.0.0.1:$PORT"
wait_ready "$URL/readyz"

loadgen closed --url "$URL" --admin-key "$ADMIN_KEY" --connections "$CONNECTIONS" --duration "$SECONDS_PER_RUN" --viewers "$CLOSED_VIEWERS" \
  --warmup "$WARMUP"
MAX=$(jq -r '.answeredPerSecond' "$WORK/closed.json" 2>/dev/null || echo 0)
RATE=$(python3 -c "print(max(1, round(0.7 * $MAX)))")
OPEN_SECONDS=$((SECONDS_PER_RUN + SECONDS_PER_RUN / 3))  # a little longer: latency is its point
OPEN_VIEWERS=$(python3 -c "print(int($RATE * ($OPEN_SECONDS + $WARMUP * 2) * 1.2) + 1000)")
# The server's own view of the open loop's votes (its histograms, scraped before and after): where the load generator's
# write latency (from the intended send time) and the server's (request start to durable answer) part, the time is
# outside the server's request processing.
curl -fsS "$URL/metrics" >"$WORK/metrics-before-open.txt" || : >"$WORK/metrics-before-open.txt"
loadgen open --url "$URL" --admin-key "$ADMIN_KEY" --mode open --rate "$RATE" --connections "$CONNECTIONS" \
  --duration "$OPEN_SECONDS" --viewers "$OPEN_VIEWERS" --warmup "$WARMUP"
curl -fsS "$URL/metrics" >"$WORK/metrics-after-open.txt" || : >"$WORK/metrics-after-open.txt"
python3 "$ROOT/bench/server-latency.py" "$WORK/metrics-before-open.txt" "$WORK/metrics-after-open.txt" \
  livevote_vote_duration_seconds outcome=accepted >"$WORK/server-vote.json"
python3 "$ROOT/bench/server-latency.py" "$WORK/metrics-before-open.txt" "$WORK/metrics-after-open.txt" \
  http_server_request_duration_seconds http_route=/votes http_request_method=POST http_response_status_code=201 >"$WORK/server-request.json"

# Peak memory and bytes per vote of the load generator's runs, read before wrk adds its own votes (which the
# per-vote figure would otherwise divide by the load generator's count alone).
# `timeout` runs the server as its child: the peak memory is the child's (dotnet hosts the app in its own process).
SERVER_PROCESS=$(cat "/proc/$SERVER_PID/task/$SERVER_PID/children" 2>/dev/null | awk '{print $1}')
PEAK_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/${SERVER_PROCESS:-$SERVER_PID}/status" 2>/dev/null || echo 0)
DISK_BYTES=$(find "$WORK/data" -name 'livevote.db*' ! -name '*-shm' -printf '%s\n' | awk '{s += $1} END {print s + 0}')

# 4. wrk at the vote path: each run on a poll of its own, with tokens registered for it alone (never reused: a viewer
# who already voted answers 200, not 201). Enough tokens for 2.5x the load generator's closed-loop rate; a wrk thread
# that still runs out stops and the report says so ("exhausted").
admin() { curl -fsS -H "X-Admin-Key: $ADMIN_KEY" -H 'Content-Type: application/json' "$@"; }
WRK_TOKENS=$(python3 -c "print(int(2.5 * $MAX * $WRK_SECONDS) + 2000)")
for c in "${WRK_CONNECTIONS[@]}"; do
  log "wrk vote path, $c connections, ${WRK_SECONDS} s: registering $WRK_TOKENS viewers"
  dotnet "$CLI_DLL" loadgen --url "$URL" --admin-key "$ADMIN_KEY" --viewers "$WRK_TOKENS" --export-tokens "$WORK/tokens-$c.txt" >"$WORK/tokens-$c.out" 2>&1
  POLL=$(admin -d '{"title":"wrk","options":[{"id":"o1","label":"1"},{"id":"o2","label":"2"},{"id":"o3","label":"3"},{"id":"o4","label":"4"}]}' \
    "$URL/v1/polls" | jq -r .id)
  admin -X POST "$URL/v1/polls/$POLL/open" -o /dev/null
  WRK_REPORT="$WORK/wrk-vote-$c.json" timed_wrk "$WORK/wrk-vote-$c-cpu.json" "$(child_of "$SERVER_PID")" \
    -t2 -c"$c" -d"${WRK_SECONDS}s" --timeout 10s -s "$ROOT/bench/wrk/vote.lua" "$URL" -- "$WORK/tokens-$c.txt" "$POLL" 2 4 \
    >"$WORK/wrk-vote-$c.out" 2>&1
  # The results total once it stops moving (snapshots are published every 250 ms), then the poll is closed.
  TOTAL=-1
  for _ in $(seq 1 50); do
    sleep 0.3
    NOW=$(curl -fsS "$URL/v1/polls/$POLL/results" | jq -r .total)
    [[ $NOW == "$TOTAL" ]] && break
    TOTAL=$NOW
  done
  admin -X POST "$URL/v1/polls/$POLL/close" -o /dev/null || true
  TOKEN_BYTES=$(head -1 "$WORK/tokens-$c.txt" | tr -d '\n' | wc -c)
  echo "{\"pollId\": \"$POLL\", \"resultsTotal\": $TOTAL, \"tokens\": $WRK_TOKENS, \"tokenBytes\": $TOKEN_BYTES}" >"$WORK/wrk-vote-$c-poll.json"
done

kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true

# The wrk runs, judged: the baseline answered 202 only; the vote path 201 only (no 200 = no reused token, no 5xx),
# and the poll's total lies between the 201s wrk read and those plus the votes it sent but never read the answer of
# (in flight when the duration ended: they may be stored). A missing report (wrk failed) fails the check.
for c in "${WRK_CONNECTIONS[@]}"; do
  for f in "wrk-baseline-$c" "wrk-vote-$c" "wrk-vote-$c-poll" "wrk-baseline-$c-cpu" "wrk-vote-$c-cpu"; do
    [[ -s $WORK/$f.json ]] || echo '{"missing": true}' >"$WORK/$f.json"
  done
done
jq -n --argjson seconds "$WRK_SECONDS" --argjson baselineTokenBytes "$(head -1 "$ROOT/bench/wrk/sample-token.txt" | tr -d '\n' | wc -c)" \
  --slurpfile b64 "$WORK/wrk-baseline-64.json" --slurpfile v64 "$WORK/wrk-vote-64.json" --slurpfile p64 "$WORK/wrk-vote-64-poll.json" \
  --slurpfile b256 "$WORK/wrk-baseline-256.json" --slurpfile v256 "$WORK/wrk-vote-256.json" --slurpfile p256 "$WORK/wrk-vote-256-poll.json" \
  --slurpfile bc64 "$WORK/wrk-baseline-64-cpu.json" --slurpfile vc64 "$WORK/wrk-vote-64-cpu.json" \
  --slurpfile bc256 "$WORK/wrk-baseline-256-cpu.json" --slurpfile vc256 "$WORK/wrk-vote-256-cpu.json" '
  # CPU microseconds per request of the server and of wrk during a run (null when the run is missing).
  def perRequest(cpu; r): if (r.requests // 0) > 0 and cpu.serverCpuSeconds != null
    then {server: (cpu.serverCpuSeconds * 1e6 / r.requests | round), wrk: (cpu.wrkCpuSeconds * 1e6 / r.requests | round)} else null end;
  def run(c; b; v; p; bc; vc):
    ((v.statuses // {})["201"] // 0) as $created |
    ([(v.statuses // {}) | to_entries[] | select(.key != "201") | .value] | add // 0) as $other |
    (((v.sent // 0) - (v.answered // 0))) as $unanswered |
    {connections: c, baseline: b, vote: v, poll: p,
     cpuUsPerRequest: {baseline: perRequest(bc; b), vote: perRequest(vc; v)},
     ratio: (if (b.requestsPerSecond // 0) > 0 and v.requestsPerSecond != null then (v.requestsPerSecond / b.requestsPerSecond * 1000 | round / 1000) else null end),
     created: $created, otherStatuses: $other, unansweredAtStop: $unanswered, resultsTotal: p.resultsTotal,
     baselinePassed: ((b.missing | not) and (b.requests // 0) > 0 and ([(b.statuses // {}) | to_entries[] | select(.key != "202") | .value] | add // 0) == 0),
     votePassed: ((v.missing | not) and (p.missing | not) and $created > 0 and $other == 0
                  and p.resultsTotal >= $created and p.resultsTotal <= $created + $unanswered)};
  {threads: 2, seconds: $seconds, baselineTokenBytes: $baselineTokenBytes,
   runs: [run(64; $b64[0]; $v64[0]; $p64[0]; $bc64[0]; $vc64[0]), run(256; $b256[0]; $v256[0]; $p256[0]; $bc256[0]; $vc256[0])]}
  | .passed = all(.runs[]; .baselinePassed and .votePassed)' >"$WORK/wrk.json"

# Summary: one JSON with the three reports, the table, the chart.
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
jq -n --slurpfile baseline "$WORK/baseline.json" --slurpfile closed "$WORK/closed.json" --slurpfile open "$WORK/open.json" \
  --arg date "$STAMP" --arg load "$LOAD" --argjson cores "$(nproc)" --argjson connections "$CONNECTIONS" \
  --argjson peakKb "${PEAK_KB:-0}" --argjson diskBytes "$DISK_BYTES" --argjson quick "$QUICK" --slurpfile wrk "$WORK/wrk.json" \
  --slurpfile serverVote "$WORK/server-vote.json" --slurpfile serverRequest "$WORK/server-request.json" '
  ($baseline[0]) as $b | ($closed[0]) as $c | ($open[0]) as $o |
  {
    date: $date, quick: ($quick == 1), machine: {cores: $cores, loadAverage: $load}, connections: $connections,
    baselineRequestsPerSecond: $b.answeredPerSecond,
    voteRequestsPerSecond: $c.answeredPerSecond,
    acceptedVotesPerSecond: $c.acceptedPerSecond,
    ratioToBaseline: (if $b.answeredPerSecond > 0 then ($c.answeredPerSecond / $b.answeredPerSecond * 1000 | round / 1000) else null end),
    openLoop: {targetRate: $o.targetRate, achievedPerSecond: $o.answeredPerSecond, write: $o.writeLatency,
               resultsRead: $o.resultsReadLatency, voteToVisible: $o.voteToVisibleLatency,
               serverSide: {vote: $serverVote[0], request: $serverRequest[0]}},
    closedLoopResultsRead: $c.resultsReadLatency, closedLoopVoteToVisible: $c.voteToVisibleLatency,
    serverPeakMemoryBytes: ($peakKb * 1024),
    diskBytes: $diskBytes, storedVotes: ($c.accepted + $o.accepted),
    diskBytesPerVote: (if ($c.accepted + $o.accepted) > 0 then ($diskBytes / ($c.accepted + $o.accepted) | round) else null end),
    checksPassed: ($b.passed and $c.passed and $o.passed),
    wrk: $wrk[0],
    runs: {baseline: $b, closed: $c, open: $o}
  }' >"$RESULTS/$STAMP.json"

jq -r '
  def f: if . == null then "-" else (. * 100 | round / 100 | tostring) end;
  "# LiveVote benchmark \(.date)\(if .quick then " (quick)" else "" end)",
  "",
  "Machine: \(.machine.cores) cores, load average \(.machine.loadAverage) at the end; \(.connections) connections, HTTP/1.1 keep-alive, same client (livevote loadgen) for both.",
  "",
  "| server | requests/s | ratio |",
  "| --- | ---: | ---: |",
  "| bare Kestrel baseline (parse JSON, 202) | \(.baselineRequestsPerSecond | round) | 1.00 |",
  "| LiveVote vote path (SQLite, fsync on), closed-loop | \(.voteRequestsPerSecond | round) | \(.ratioToBaseline | f) |",
  "",
  "Open-loop at 70% of that maximum: target \(.openLoop.targetRate | round)/s, achieved \(.openLoop.achievedPerSecond | round)/s.",
  "",
  "| latency (ms) | p50 | p99 | p99.9 | max |",
  "| --- | ---: | ---: | ---: | ---: |",
  "| write (POST vote, from intended send time) | \(.openLoop.write.p50Ms | f) | \(.openLoop.write.p99Ms | f) | \(.openLoop.write.p999Ms | f) | \(.openLoop.write.maxMs | f) |",
  "| write, server side: handler start to durable answer (bucket bound, <=) | \(.openLoop.serverSide.vote.p50BoundMs | f) | \(.openLoop.serverSide.vote.p99BoundMs | f) | \(.openLoop.serverSide.vote.p999BoundMs | f) | over 50 ms: \(.openLoop.serverSide.vote.over50MsShare // "-") of \(.openLoop.serverSide.vote.count) |",
  "| write, server side: request start to response end (bucket bound, <=) | \(.openLoop.serverSide.request.p50BoundMs | f) | \(.openLoop.serverSide.request.p99BoundMs | f) | \(.openLoop.serverSide.request.p999BoundMs | f) | over 50 ms: \(.openLoop.serverSide.request.over50MsShare // "-") of \(.openLoop.serverSide.request.count) |",
  "| results read (GET) | \(.openLoop.resultsRead.p50Ms | f) | \(.openLoop.resultsRead.p99Ms | f) | \(.openLoop.resultsRead.p999Ms | f) | \(.openLoop.resultsRead.maxMs | f) |",
  "| results read (GET) under full closed-loop load | \(.closedLoopResultsRead.p50Ms | f) | \(.closedLoopResultsRead.p99Ms | f) | \(.closedLoopResultsRead.p999Ms | f) | \(.closedLoopResultsRead.maxMs | f) |",
  "| vote acknowledged to visible (SSE) | \(.openLoop.voteToVisible.p50Ms | f) | \(.openLoop.voteToVisible.p99Ms | f) | \(.openLoop.voteToVisible.p999Ms | f) | \(.openLoop.voteToVisible.maxMs | f) |",
  "",
  "Server peak memory (VmHWM): \(.serverPeakMemoryBytes / 1048576 | f) MiB. Disk: \(.diskBytes) bytes (database + WAL) for \(.storedVotes) stored votes = \(.diskBytesPerVote) bytes per vote.",
  "",
  "End-of-run checks (accepted == results total == audit vote entries, injected retries 200 and second votes 409, no 5xx): \(if .checksPassed then "all passed" else "**FAILED** (see runs in the JSON)" end).",
  "",
  "wrk -t2, \(.wrk.seconds) s per run, back to back: the baseline with the same request (bench/wrk/baseline.lua, a \(.wrk.baselineTokenBytes)-byte token; the vote runs\u0027 tokens: \([.wrk.runs[].poll.tokenBytes] | unique | map(tostring) | join(", ")) bytes), the vote path with a fresh pre-registered viewer token per request (bench/wrk/vote.lua), a poll per run.",
  "",
  "| connections | baseline requests/s | vote path requests/s | ratio | CPU µs per request, server / wrk: baseline | vote path | vote p50 / p99 ms | 201s | results total | unanswered at stop | other statuses | tokens exhausted | checks |",
  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  (.wrk.runs[] | "| \(.connections) | \(.baseline.requestsPerSecond // 0 | round) | \(.vote.requestsPerSecond // 0 | round) | \(.ratio | f) | \(.cpuUsPerRequest.baseline.server // "-") / \(.cpuUsPerRequest.baseline.wrk // "-") | \(.cpuUsPerRequest.vote.server // "-") / \(.cpuUsPerRequest.vote.wrk // "-") | \(.vote.latencyMs.p50 | f) / \(.vote.latencyMs.p99 | f) | \(.created) | \(.resultsTotal) | \(.unansweredAtStop) | \(.otherStatuses) | \(.vote.exhausted // "-") | \(if .baselinePassed and .votePassed then "passed" else "**FAILED**" end) |"),
  "",
  "wrk checks (baseline all 202; vote path all 201, none 200 or 5xx; 201s <= results total <= 201s + answers unread at stop): \(if .wrk.passed then "all passed" else "**FAILED**" end)."
' "$RESULTS/$STAMP.json" >"$RESULTS/$STAMP.md"
for run in baseline closed open; do cat "$WORK/$run.md" >>"$RESULTS/$STAMP.md" 2>/dev/null || true; done
cp "$WORK/open.svg" "$RESULTS/$STAMP.svg" 2>/dev/null || true
cp "$WORK/closed.svg" "$RESULTS/$STAMP-closed.svg" 2>/dev/null || true

cat "$RESULTS/$STAMP.md" | sed -n '1,/^wrk checks/p'
echo
echo "Results: $RESULTS/$STAMP.json, .md, .svg"
if [[ $(jq -r .passed "$WORK/wrk.json") != true ]]; then
  echo "wrk checks failed:" >&2
  cat "$WORK"/wrk-*.out "$WORK"/tokens-*.out >&2 2>/dev/null || true
  WRK_FAILED=1
fi
for run in baseline closed open; do
  if [[ $(cat "$WORK/$run.exit") != 0 ]]; then
    echo "loadgen $run failed (exit $(cat "$WORK/$run.exit")):" >&2
    cat "$WORK/$run.out" >&2
    exit 1
  fi
done
[[ -z ${WRK_FAILED:-} ]] || exit 1
