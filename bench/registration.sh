#!/usr/bin/env bash
# Registration burst (issue 19, target 6): how many viewers one node registers per second, what each costs the server
# and where the time goes. Runs the real server (Release, SQLite, synchronous=FULL: fsync on, as in production) and
# `livevote loadgen registration` against it, at 64 and 256 connections:
#   backend    POST /v1/viewers with the admin key (a broadcaster's back end; no CAPTCHA), as loadgen's setup does;
#   challenge  GET /v1/captcha/challenge (the server makes one per public registration);
#   public     POST /v1/viewers with a solved ALTCHA proof of work. The client fetches and solves the challenges before
#              this window (solving is the viewer's cost; a challenge lives 5 minutes), so only verification counts.
# Per phase: registrations/s, server CPU us per request (/proc/<pid>/stat), server bytes allocated per request (the
# runtime's allocation counter on /metrics), p50/p99, and fsync/fdatasync calls per request (perf stat tracepoints):
# whether a registration is written durably, and how many share a commit. The timed windows of the first connection
# level are sampled with perf (bench/perf-summary.py, as bench/profile.sh does); at the end the rows of
# used_challenges in the database are counted.
# Prints a Markdown summary and writes it to bench/results/registration-<UTC stamp>.md.
#
#   bench/registration.sh
#
# Environment: BENCH_ARTIFACTS (build output, default /tmp/registration-artifacts), REG_CONNECTIONS ("64 256"),
# REG_COUNT (requests per timed window, 30000), REG_WARMUP (requests before each window, 10000: tiered JIT must be
# done, or the window measures the compiler), REG_MAXNUMBER (ALTCHA difficulty, 300: the server verifies with one hash
# whatever it is, only the client's solving time grows with it), REG_SERVER_ROOT (build the server from another tree,
# e.g. a "before" checkout, with this tree's client), REG_SERVER_ENV (extra VAR=value settings for the server).
# Needs `perf` (Debian: linux-perf) and root or perf_event_paranoid <= 1 for the fsync counts and the profile.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SERVER_ROOT=${REG_SERVER_ROOT:-$ROOT}
ARTIFACTS=${BENCH_ARTIFACTS:-/tmp/registration-artifacts}
CONNECTION_LEVELS=${REG_CONNECTIONS:-64 256}
COUNT=${REG_COUNT:-30000}
WARMUP=${REG_WARMUP:-10000}
MAXNUMBER=${REG_MAXNUMBER:-300}
STAMP=$(date -u +%Y-%m-%dT%H-%M-%SZ)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/livevote-registration.XXXXXX")
RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK/data"
}
trap cleanup EXIT
log() { echo "== $*" >&2; }
command -v perf >/dev/null || { echo "perf is missing: apt-get install linux-perf" >&2; exit 1; }

log "Release build into $ARTIFACTS (server from $SERVER_ROOT)"
dotnet build "$SERVER_ROOT/src/LiveVote.Server" -c Release --artifacts-path "$ARTIFACTS/server" -v quiet -nologo >"$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log" >&2; exit 1; }
dotnet build "$ROOT/src/LiveVote.Cli" -c Release --artifacts-path "$ARTIFACTS/cli" -v quiet -nologo >"$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log" >&2; exit 1; }
SERVER_DLL="$ARTIFACTS/server/bin/LiveVote.Server/release/LiveVote.Server.dll"
CLI_DLL="$ARTIFACTS/cli/bin/LiveVote.Cli/release/LiveVote.Cli.dll"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
ADMIN_KEY="registration-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
mkdir -p "$WORK/data"
# All load comes from 127.0.0.1, so the public registration and challenge buckets are raised out of reach (they still
# run on every request); the risk thresholds too (RegistrationSignals counts every public registration of the
# network). Durability settings are untouched: synchronous=FULL.
env ${REG_SERVER_ENV:-} DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 \
  LiveVote__DataDirectory="$WORK/data" LiveVote__AdminKey="$ADMIN_KEY" LiveVote__Demo__Enabled=false \
  LiveVote__Captcha__MaxNumber="$MAXNUMBER" \
  LiveVote__RateLimits__RegisterPerIp__TokenLimit=1000000000 LiveVote__RateLimits__RegisterPerIp__TokensPerPeriod=100000000 \
  LiveVote__RateLimits__RegisterPerNetwork__TokenLimit=1000000000 LiveVote__RateLimits__RegisterPerNetwork__TokensPerPeriod=100000000 \
  LiveVote__RateLimits__ChallengePerIp__TokenLimit=1000000000 LiveVote__RateLimits__ChallengePerIp__TokensPerPeriod=100000000 \
  LiveVote__Risk__CaptchaThreshold=1000 LiveVote__Risk__BlockThreshold=1000 \
  dotnet "$SERVER_DLL" --urls "$URL" --Logging:LogLevel:Default=Warning >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
for _ in $(seq 1 300); do curl -fs -o /dev/null "$URL/readyz" && break; sleep 0.1; done
curl -fs -o /dev/null "$URL/readyz" || { cat "$WORK/server.log" >&2; exit 1; }

wait_for() { # file, text: wait until the client printed the line
  for _ in $(seq 1 6000); do grep -q "$2" "$1" 2>/dev/null && return 0; kill -0 "$CLIENT_PID" 2>/dev/null || return 1; sleep 0.05; done
  return 1
}

# During each timed window: the server's fsync + fdatasync calls, counted by kernel tracepoints, and (the first
# connection level only) perf samples of the whole machine, as bench/profile.sh takes them.
measure_window() { # label, phase, profile(0|1)
  local err="$WORK/$1.err" record_pid=""
  wait_for "$err" "Timed window started: $2" || return 0
  perf stat -x, -e syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync -p "$SERVER_PID" -o "$WORK/$1-$2.syncs" &
  local stat_pid=$!
  if [[ $3 == 1 ]]; then
    perf record -F 499 -g -a -o "$WORK/$1.data" >"$WORK/$1.perf.log" 2>&1 &
    record_pid=$!
  fi
  wait_for "$err" "Timed window done: $2" || true
  kill -INT "$stat_pid" ${record_pid:+"$record_pid"} 2>/dev/null || true
  wait "$stat_pid" ${record_pid:+"$record_pid"} 2>/dev/null || true
  if [[ -n $record_pid ]]; then
    python3 "$ROOT/bench/perf-summary.py" "$WORK/$1.data" server "$SERVER_PID" client "$CLIENT_PID" >"$WORK/$1.summary" 2>/dev/null || true
  fi
}

run_client() { # label, kind, connections
  local label=$1 kind=$2 connections=$3
  log "registration $label: $kind, $connections connections, $COUNT requests after $WARMUP"
  DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 dotnet "$CLI_DLL" loadgen registration --url "$URL" --kind "$kind" \
    --admin-key "$ADMIN_KEY" --connections "$connections" --count "$COUNT" --warmup "$WARMUP" --server-pid "$SERVER_PID" \
    --json "$WORK/$label.json" >"$WORK/$label.out" 2>"$WORK/$label.err" &
  CLIENT_PID=$!
  PIDS+=("$CLIENT_PID")
}

STATUS=0
PROFILE=1
for connections in $CONNECTION_LEVELS; do
  for kind in backend public; do
    label="$kind-$connections"
    run_client "$label" "$kind" "$connections"
    if [[ $kind == public ]]; then measure_window "$label" challenge 0; fi
    measure_window "$label" "$kind" "$PROFILE"
    wait "$CLIENT_PID" || { STATUS=1; cat "$WORK/$label.out" "$WORK/$label.err" >&2; }
  done
  PROFILE=0
done

kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true

python3 - "$WORK" "$STAMP" "$CONNECTION_LEVELS" "$MAXNUMBER" "$(cd "$SERVER_ROOT" && git rev-parse --short HEAD)$(cd "$SERVER_ROOT" && git diff --quiet HEAD -- src || echo '+changes')" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" "$WARMUP" >"$WORK/summary.md" <<'PY'
import json, os, sqlite3, sys
work, stamp, levels, maxnumber, commit, load, warmup = sys.argv[1:]
levels = levels.split()

def syncs(label, phase):
    path = os.path.join(work, f"{label}-{phase}.syncs")
    if not os.path.exists(path):
        return None
    total = 0
    for line in open(path):
        fields = line.split(",")
        if len(fields) > 2 and "sys_enter_f" in fields[2] and fields[0].strip().isdigit():
            total += int(fields[0])
    return total

def fig(value, digits=0):
    return "n/a" if value is None else f"{value:,.{digits}f}"

rows, checks, per = [], [], {}
for c in levels:
    for kind in ("backend", "public"):
        path = os.path.join(work, f"{kind}-{c}.json")
        if not os.path.exists(path):
            continue
        report = json.load(open(path))
        checks += [f"- {'PASS' if k['passed'] else 'FAIL'} {kind} at {c}: {k['name']}: {k['detail']}" for k in report["checks"]]
        for p in report["phases"]:
            n = syncs(f"{kind}-{c}", p["phase"])
            per[(p["phase"], c)] = p
            rows.append(f"| {p['phase']} | {c} | {p['count']:,} | {p['perSecond']:,.0f} | {fig(p['serverCpuUsPerRequest'])} | "
                        f"{fig(p['serverAllocatedBytesPerRequest'])} | {p['p50Ms']:.1f} | {p['p99Ms']:.1f} | "
                        f"{'n/a' if n is None else format(n / p['count'], '.3f')} | {p['unexpected']} |")

print(f"# Registration burst, {stamp}\n")
print(f"Server commit {commit}; SQLite, synchronous=FULL; ALTCHA MaxNumber {maxnumber} (the client solves before the timed "
      f"window); load average at the end {load} on {os.cpu_count()} cores shared with other work: rates are noise, "
      "CPU us and bytes per request are the robust figures.\n")
print("| phase | connections | requests | per second | server CPU us/request | server bytes allocated/request | p50 ms | p99 ms | fsync+fdatasync per request | unexpected answers |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
print("\n".join(rows))
print()
for c in levels:
    ch, pu = per.get(("challenge", c)), per.get(("public", c))
    if ch and pu and ch["serverCpuUsPerRequest"] is not None and pu["serverCpuUsPerRequest"] is not None:
        cpu = ch["serverCpuUsPerRequest"] + pu["serverCpuUsPerRequest"]
        alloc = (ch["serverAllocatedBytesPerRequest"] or 0) + (pu["serverAllocatedBytesPerRequest"] or 0)
        print(f"- A public registration at {c} connections costs the server {cpu:,.0f} us of CPU and {alloc:,.0f} bytes "
              f"(challenge + verified registration): at most {1e6 / cpu * (os.cpu_count() or 1):,.0f}/s on these "
              f"{os.cpu_count()} cores if the server had them to itself.")
    be = per.get(("backend", c))
    if be and be["serverCpuUsPerRequest"]:
        print(f"- A back-end registration at {c} connections costs {be['serverCpuUsPerRequest']:,.0f} us: at most "
              f"{1e6 / be['serverCpuUsPerRequest'] * (os.cpu_count() or 1):,.0f}/s on these cores alone.")
db = os.path.join(work, "data", "livevote.db")
if os.path.exists(db):
    used = sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute("SELECT count(*) FROM used_challenges").fetchone()[0]
    registered = sum(p["count"] + int(warmup) for (phase, _), p in per.items() if phase == "public")
    print(f"- used_challenges holds {used:,} rows after {registered:,} public registrations (timed + warm-up; the replays "
          "sent at the end were refused): one durable row per public registration, written by the group commit.")
print()
print("\n".join(checks))
first = levels[0]
for kind in ("backend", "public"):
    path = os.path.join(work, f"{kind}-{first}.summary")
    if os.path.exists(path):
        print(f"\n## Profile: the {kind} window at {first} connections (perf, whole window)\n")
        print("```")
        print(open(path).read().strip())
        print("```")
PY
cp "$WORK/summary.md" "$RESULTS/registration-$STAMP.md"
cat "$WORK/summary.md"
echo
echo "Written to bench/results/registration-$STAMP.md"
exit "$STATUS"
