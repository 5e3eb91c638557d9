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
# whether a registration is written durably, and how many share a commit. Then a perf profile of each kind at 64
# connections (bench/perf-summary.py, as bench/profile.sh) and the rows of used_challenges in the database.
# Prints a Markdown summary and writes it to bench/results/registration-<UTC stamp>.md.
#
#   bench/registration.sh
#
# Environment: BENCH_ARTIFACTS (build output, default /tmp/registration-artifacts), REG_CONNECTIONS ("64 256"),
# REG_COUNT (registrations per timed window, 20000), REG_WARMUP (2000), REG_MAXNUMBER (ALTCHA difficulty, 1000: the
# server verifies with one hash whatever it is, the client's solving time grows with it), REG_PROFILE_SECONDS (perf
# samples per kind, 5; 0 skips the profile), REG_SERVER_ROOT (build the server from another tree, e.g. a "before"
# checkout, with this tree's client), REG_SERVER_ENV (extra VAR=value settings for the server).
# Needs `perf` (Debian: linux-perf) and root or perf_event_paranoid <= 1 for the fsync counts and the profile.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SERVER_ROOT=${REG_SERVER_ROOT:-$ROOT}
ARTIFACTS=${BENCH_ARTIFACTS:-/tmp/registration-artifacts}
CONNECTION_LEVELS=${REG_CONNECTIONS:-64 256}
COUNT=${REG_COUNT:-20000}
WARMUP=${REG_WARMUP:-2000}
MAXNUMBER=${REG_MAXNUMBER:-1000}
PROFILE_SECONDS=${REG_PROFILE_SECONDS:-5}
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

# fsync + fdatasync calls of the server during each timed window, counted by kernel tracepoints.
count_syncs() { # label, phase
  local err="$WORK/$1.err"
  wait_for "$err" "Timed window started: $2" || return 0
  perf stat -x, -e syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync -p "$SERVER_PID" -o "$WORK/$1-$2.syncs" &
  local perf_pid=$!
  wait_for "$err" "Timed window done: $2" || true
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
}

run_client() { # label, kind, connections, count, extra args...
  local label=$1 kind=$2 connections=$3 count=$4; shift 4
  log "registration $label: $kind, $connections connections, $count requests"
  dotnet "$CLI_DLL" loadgen registration --url "$URL" --kind "$kind" --admin-key "$ADMIN_KEY" --connections "$connections" \
    --count "$count" --warmup "$WARMUP" --server-pid "$SERVER_PID" --json "$WORK/$label.json" "$@" >"$WORK/$label.out" 2>"$WORK/$label.err" &
  CLIENT_PID=$!
  PIDS+=("$CLIENT_PID")
}

STATUS=0
for connections in $CONNECTION_LEVELS; do
  for kind in backend public; do
    label="$kind-$connections"
    run_client "$label" "$kind" "$connections" "$COUNT"
    if [[ $kind == public ]]; then count_syncs "$label" challenge; fi
    count_syncs "$label" "$kind"
    wait "$CLIENT_PID" || { STATUS=1; cat "$WORK/$label.out" "$WORK/$label.err" >&2; }
  done
done

# Where the time goes: perf samples of both processes while each kind flows at 64 connections (a longer window).
if [[ $PROFILE_SECONDS -gt 0 ]]; then
  for kind in backend public; do
    label="profile-$kind"
    run_client "$label" "$kind" 64 $((COUNT * 3))
    if wait_for "$WORK/$label.err" "Timed window started: $kind"; then
      sleep 0.5
      perf record -F 499 -g -a -o "$WORK/$label.data" -- sleep "$PROFILE_SECONDS" >"$WORK/$label.perf.log" 2>&1
      python3 "$ROOT/bench/perf-summary.py" "$WORK/$label.data" server "$SERVER_PID" client "$CLIENT_PID" >"$WORK/$label.summary"
    fi
    wait "$CLIENT_PID" || { STATUS=1; cat "$WORK/$label.out" "$WORK/$label.err" >&2; }
  done
fi

kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true

python3 - "$WORK" "$STAMP" "$CONNECTION_LEVELS" "$MAXNUMBER" "$(cd "$SERVER_ROOT" && git rev-parse --short HEAD)$(cd "$SERVER_ROOT" && git diff --quiet HEAD -- src || echo '+changes')" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" "$PROFILE_SECONDS" >"$WORK/summary.md" <<'PY'
import json, os, sqlite3, sys
work, stamp, levels, maxnumber, commit, load, profile = sys.argv[1:]
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
                        f"{'n/a' if n is None else f'{n / p['count']:.3f}'} | {p['unexpected']} |")

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
    rows_used = sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute("SELECT count(*) FROM used_challenges").fetchone()[0]
    public_total = sum(json.load(open(os.path.join(work, f))).get("phases", [{}])[-1].get("count", 0)
                       for f in os.listdir(work) if f.startswith(("public-", "profile-public")) and f.endswith(".json"))
    print(f"- used_challenges holds {rows_used:,} rows after {public_total:,} timed public registrations (plus warm-ups "
          "and replays refused): each public registration is one durable row, written by the group commit.")
print()
print("\n".join(checks))
for kind in ("backend", "public"):
    path = os.path.join(work, f"profile-{kind}.summary")
    if os.path.exists(path):
        print(f"\n## Profile: {kind} registration, 64 connections, {profile} s of perf samples\n")
        lines = open(path).read().strip().splitlines()
        print("```")
        print("\n".join(lines))
        print("```")
PY
cp "$WORK/summary.md" "$RESULTS/registration-$STAMP.md"
cat "$WORK/summary.md"
echo
echo "Written to bench/results/registration-$STAMP.md"
exit "$STATUS"
