#!/usr/bin/env bash
# Latency and size of the audit's proofs over a log of N stored votes (issue 17's figures): StoreBench writes N votes
# into a SQLite file (synchronous=FULL, fsync on) and keeps it; the server opens that file, resumes the poll's Merkle
# log and signs its head; then 200 random inclusion and 200 consistency proofs are timed.
#   bench/proof-latency.sh [N, default 10000000]
set -euo pipefail
N=${1:-10000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/livevote-proofs.XXXXXX)
PORT=${PROOF_PORT:-5999}
PID=""
cleanup() { [[ -n $PID ]] && kill "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
dotnet build "$ROOT/bench/LiveVote.StoreBench" -c Release --artifacts-path "$WORK/build" -v quiet -nologo >/dev/null
dotnet build "$ROOT/src/LiveVote.Server" -c Release --artifacts-path "$WORK/build" -v quiet -nologo >/dev/null
STOREBENCH_KEEP=$WORK/data dotnet "$WORK/build/bin/LiveVote.StoreBench/release/LiveVote.StoreBench.dll" 1000 "$N" | tail -1
(cd "$WORK/data" && LiveVote__Sqlite__Path=$WORK/data/bench.db LiveVote__DataDirectory=$WORK/data LiveVote__Demo__Enabled=false \
  ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
  exec dotnet "$WORK/build/bin/LiveVote.Server/release/LiveVote.Server.dll" --urls "http://127.0.0.1:$PORT" >"$WORK/server.log" 2>&1) &
PID=$!
for i in $(seq 1 600); do
  if curl -sf "http://127.0.0.1:$PORT/v1/polls/p-bench/audit/logs" 2>/dev/null | grep -q '"size"'; then break; fi
  sleep 1
done
echo "server ready with a signed head after about ${i} s"
python3 - "$PORT" <<'PY'
import json, random, sys, time, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}/v1/polls/p-bench/audit"
size = json.load(urllib.request.urlopen(base + "/logs"))["logs"][0]["size"]
random.seed(1)
for kind in ("inclusion", "consistency"):
    times, hashes, lengths = [], [], []
    for _ in range(200):
        url = (f"{base}/proof/inclusion?log=0.0&leaf={random.randrange(size)}" if kind == "inclusion"
               else f"{base}/proof/consistency?log=0.0&from={random.randrange(1, size)}&to={size}")
        start = time.perf_counter(); body = urllib.request.urlopen(url).read(); times.append((time.perf_counter() - start) * 1000)
        hashes.append(len(json.loads(body)["proof"])); lengths.append(len(body))
    times.sort()
    print(f"{kind}: {size:,} leaves, 200 requests: p50 {times[100]:.2f} ms, p99 {times[197]:.2f} ms, max {times[-1]:.2f} ms; "
          f"proof {min(hashes)}-{max(hashes)} hashes, answer {min(lengths)}-{max(lengths)} bytes")
PY
