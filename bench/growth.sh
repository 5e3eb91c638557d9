#!/usr/bin/env bash
# Flat cost as the show grows (issue 19, target 4): writes up to 20M votes into one SQLite file through the real store
# (bench/LiveVote.StoreBench --growth: WAL, synchronous=FULL, every batch fsynced), recording after each million the
# rate, the process CPU per vote, the dedup index's bytes per stored vote and the process's memory, and right after
# each step the rate and CPU per vote of a fresh store taking its first votes (GROWTH_REFERENCE of them, in the same
# process: this VM's speed drifts by 30 % over minutes, so each step is compared with a fresh store measured seconds
# later rather than with the first million written minutes earlier); then times the
# real server's restart on that file, from process start to /readyz 200, and its CPU until then, both kinds of restart:
# after a crash (kill -9, no index snapshot beside the file: the index is rebuilt from every stored vote) and after a
# clean stop (SIGTERM: the stop writes livevote.db.voteindex, the start loads it); each with the files in the page cache
# and again with only these files' pages dropped from it (posix_fadvise DONTNEED: no other process's cache is
# touched). Prints a markdown summary and writes it to bench/results/growth-<UTC stamp>.md, with two SVG plots beside
# it (throughput and memory against stored votes).
#
#   bench/growth.sh                 # 20M votes (~260 bytes of disk per vote: ~5 GB in $TMPDIR, deleted at the end)
#   GROWTH_VOTES=2000000 bench/growth.sh
#
# Environment: GROWTH_VOTES (20000000), GROWTH_STEP (1000000), GROWTH_BATCH (1000), GROWTH_REFERENCE (1000000 fresh-store
# votes after each step; 0 = none), GROWTH_MAX_SECONDS (0 = none:
# stop writing after that long, at the next step, and measure the restart on what was written), BENCH_ARTIFACTS (build
# output), TMPDIR (where the database is written), GROWTH_REUSE (a folder a run kept with GROWTH_KEEP=1, holding data/
# and out/: skip the writes and measure the restarts on its file; it is kept), GROWTH_KEEP=1 (keep the folder).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ARTIFACTS=${BENCH_ARTIFACTS:-/tmp/livevote-bench-artifacts}
VOTES=${GROWTH_VOTES:-20000000}
STEP=${GROWTH_STEP:-1000000}
BATCH=${GROWTH_BATCH:-1000}
REFERENCE=${GROWTH_REFERENCE:-1000000}
STAMP=$(date -u +%Y%m%d-%H%M%S)
RESULTS="$ROOT/bench/results"

if [[ -n ${GROWTH_REUSE:-} ]]; then
  WORK=$(cd "$GROWTH_REUSE" && pwd)
  KEEP=1
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/livevote-growth.XXXXXX")
  KEEP=${GROWTH_KEEP:-0}
fi
SERVER_PID=
cleanup() {
  [[ -n $SERVER_PID ]] && { kill -9 "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
  if [[ $KEEP == 1 ]]; then echo "Kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# The file takes ~260 bytes per vote (vote row, audit row with its hashes, indexes); refuse to fill the disk.
need_kb=$((VOTES * 300 / 1024 + 1048576))
[[ -n ${GROWTH_REUSE:-} ]] && need_kb=$((2 * 1048576))
free_kb=$(df -Pk "$WORK" | awk 'NR == 2 {print $4}')
if ((free_kb < need_kb)); then
  echo "growth.sh: $((need_kb / 1048576)) GiB needed in $WORK, $((free_kb / 1048576)) GiB free" >&2
  exit 1
fi

for project in bench/LiveVote.StoreBench src/LiveVote.Server; do
  dotnet build "$ROOT/$project" -c Release --artifacts-path "$ARTIFACTS" -v quiet -nologo >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; exit 1; }
done

if [[ -z ${GROWTH_REUSE:-} ]]; then
  echo "Writing $VOTES votes (batch $BATCH, synchronous=FULL), a row per $STEP:"
  dotnet "$ARTIFACTS/bin/LiveVote.StoreBench/release/LiveVote.StoreBench.dll" --growth --db "$WORK/data" --out "$WORK/out" \
    --votes "$VOTES" --step "$STEP" --batch "$BATCH" --reference-votes "$REFERENCE" --max-seconds "${GROWTH_MAX_SECONDS:-0}" --crash-end | tee "$WORK/storebench.log"
  cut -d' ' -f1-3 /proc/loadavg >"$WORK/out/load-write.txt"
else
  echo "Reusing the file and rows of $WORK"
  VOTES=$(tail -1 "$WORK/out/growth.tsv" | cut -f1)
fi
load_write=$(cat "$WORK/out/load-write.txt" 2>/dev/null || echo "not recorded")
file_bytes=$(stat -c %s "$WORK/data/livevote.db")
SNAPSHOT="$WORK/data/livevote.db.voteindex"

# "<seconds> <cpu seconds>": from the server's process start to its first /readyz 200 on the grown file, and the CPU
# the process used until then; then stops it with $1 (KILL: a crash, no snapshot written; TERM: a clean stop, which
# writes the index snapshot; its duration goes to $WORK/stop-seconds).
restart() {
  local signal=$1 port admin_key start ready cpu stopped log_lines
  touch "$WORK/server.log"
  log_lines=$(wc -l <"$WORK/server.log")
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  admin_key="growth-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  start=$(date +%s.%N)
  LiveVote__DataDirectory="$WORK/data" LiveVote__AdminKey="$admin_key" LiveVote__Demo__Enabled=false \
    dotnet "$ARTIFACTS/bin/LiveVote.Server/release/LiveVote.Server.dll" --urls "http://127.0.0.1:$port" \
    --Logging:LogLevel:Default=Warning --Logging:LogLevel:LiveVote.Server.Storage.Sqlite=Information >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  ready=
  for _ in $(seq 1 1200); do
    if curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; then
      ready=$(date +%s.%N)
      cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$SERVER_PID/stat")
      break
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  stopped=$(date +%s.%N)
  kill -"$signal" "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  python3 -c "import time; print(f'{time.time() - $stopped:.2f}')" >"$WORK/stop-seconds"
  SERVER_PID=
  [[ -n $ready ]] || { echo "the server did not become ready (see below)" >&2; tail -20 "$WORK/server.log" >&2; exit 1; }
  python3 -c "print(f'{$ready - $start:.2f} {$cpu}')" >"$WORK/restart-result"
  # Votes read after the snapshot's mark at this start (the store's log line), "-" when it rebuilt.
  tail -n +"$((log_lines + 1))" "$WORK/server.log" | grep -o '[0-9][0-9]* of them stored after its audit seq' | awk '{print $1}' | tail -1 \
    >"$WORK/restart-added" || true
}

drop_file_cache() {  # only this database's pages: the other processes' cache stays
  python3 - "$WORK/data" <<'PY'
import os, sys
for name in os.listdir(sys.argv[1]):
    fd = os.open(os.path.join(sys.argv[1], name), os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
PY
}

RUNNING_SNAPSHOT="$WORK/out/running.voteindex"
if [[ -e $WORK/out/crash-end.txt && -e $SNAPSHOT && ! -e $RUNNING_SNAPSHOT ]]; then
  cp "$SNAPSHOT" "$RUNNING_SNAPSHOT"  # the newest snapshot the writes left: kept for later GROWTH_REUSE runs
fi
running="- - - - -"
if [[ -e $RUNNING_SNAPSHOT ]]; then
  echo "Restarting the real server after a crash with the snapshot written while running (loaded, then the votes after its mark)..."
  cp "$RUNNING_SNAPSHOT" "$SNAPSHOT"
  restart KILL; read -r running_warm running_warm_cpu <"$WORK/restart-result"
  running_added=$(cat "$WORK/restart-added"); running_added=${running_added:--}
  cp "$RUNNING_SNAPSHOT" "$SNAPSHOT"
  drop_file_cache
  restart KILL; read -r running_cold running_cold_cpu <"$WORK/restart-result"
  running="$running_warm $running_warm_cpu $running_cold $running_cold_cpu $running_added"
fi

echo "Restarting the real server on the file: after a crash (index rebuilt), then after a clean stop (snapshot loaded)..."
rm -f "$SNAPSHOT"
restart KILL; read -r crash_warm crash_warm_cpu <"$WORK/restart-result"
drop_file_cache
restart KILL; read -r crash_cold crash_cold_cpu <"$WORK/restart-result"
[[ ! -e $SNAPSHOT ]] || { echo "a killed server left a snapshot" >&2; exit 1; }
restart TERM  # ready, then a clean stop: writes the snapshot
stop_seconds=$(cat "$WORK/stop-seconds")
[[ -e $SNAPSHOT ]] || { echo "the clean stop wrote no snapshot (see below)" >&2; tail -20 "$WORK/server.log" >&2; exit 1; }
snapshot_bytes=$(stat -c %s "$SNAPSHOT")
restart KILL; read -r clean_warm clean_warm_cpu <"$WORK/restart-result"
drop_file_cache
restart KILL; read -r clean_cold clean_cold_cpu <"$WORK/restart-result"
load_restart=$(cut -d' ' -f1-3 /proc/loadavg)
read -r reopened reopen_seconds <"$WORK/out/reopen.txt"

mkdir -p "$RESULTS"
cp "$WORK/out/growth-throughput.svg" "$RESULTS/growth-$STAMP-throughput.svg"
cp "$WORK/out/growth-memory.svg" "$RESULTS/growth-$STAMP-memory.svg"
python3 - "$WORK/out/growth.tsv" "$RESULTS/growth-$STAMP.md" "$STAMP" "$VOTES" "$BATCH" "$file_bytes" "$reopened" "$reopen_seconds" \
  "$crash_warm $crash_warm_cpu $crash_cold $crash_cold_cpu" "$clean_warm $clean_warm_cpu $clean_cold $clean_cold_cpu" \
  "$stop_seconds $snapshot_bytes" "$load_write" "$load_restart" "$(git -C "$ROOT" rev-parse --short HEAD)" "$running" "$REFERENCE" <<'PY'
import csv, sys
tsv, out, stamp, votes, batch, file_bytes, reopened, reopen_s, crash, clean, stop, load_write, load_restart, commit, running, reference = sys.argv[1:]
running = running.split()
crash, clean = [list(map(float, x.split())) for x in (crash, clean)]
stop_s, snapshot_bytes = float(stop.split()[0]), int(stop.split()[1])
rows = list(csv.DictReader(open(tsv), delimiter="\t"))
f = lambda r, k: float(r[k])
first, last = rows[0], rows[-1]
lines = [
    f"# Growth: {int(votes):,} stored votes ({stamp} UTC, commit {commit})",
    "",
    f"`bench/growth.sh` (GROWTH_VOTES={votes}, batch {batch}, SQLite WAL synchronous=FULL). The machine's load average was "
    f"{load_write} after the writes and {load_restart} after the restarts (2 cores, shared): votes/s is noise, CPU us/vote "
    "and bytes are the figures to compare.",
    "",
    (f"Each step's votes are followed at once by {int(reference):,} votes into a fresh store in the same process (\"fresh\": the first "
     "votes of a show, measured seconds later, so the machine's drift over the run cancels out of the step / fresh ratio)."
     if int(reference) > 0 else "No fresh-store reference was measured (GROWTH_REFERENCE=0)."),
    "",
    "| stored | votes/s | CPU us/vote | fresh votes/s | fresh CPU us/vote | votes/s vs fresh | index B/vote | heap B/vote | resident B/vote | file B/vote |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
]
ref = lambda r, k: float(r.get(k) or 0)
for r in rows:
    fresh = ref(r, 'reference_votes_per_s')
    lines.append(f"| {int(r['stored']):,} | {f(r,'votes_per_s'):,.0f} | {f(r,'cpu_us_per_vote'):.1f} | {fresh:,.0f} | "
                 f"{ref(r,'reference_cpu_us_per_vote'):.1f} | {(f(r,'votes_per_s') / fresh if fresh else 0):.2f} | {f(r,'index_bytes_per_vote'):.1f} | "
                 f"{f(r,'heap_bytes_per_vote'):.1f} | {f(r,'resident_bytes_per_vote'):.1f} | {f(r,'file_bytes_per_vote'):.0f} |")
tail = rows[-5:]
fresh_tail = [r for r in tail if ref(r, 'reference_votes_per_s')]
lines += [
    "",
    f"- Last step vs first: {f(last,'votes_per_s') / f(first,'votes_per_s'):.2f} of the votes/s, "
    f"{f(last,'cpu_us_per_vote') / f(first,'cpu_us_per_vote'):.2f} of the CPU per vote (minutes apart: includes the machine's drift).",
    (f"- The last {len(fresh_tail)} steps against a fresh store measured right after each (target >= 0.90 of the votes/s): "
     f"{sum(f(r,'votes_per_s') for r in fresh_tail) / sum(ref(r,'reference_votes_per_s') for r in fresh_tail):.2f} of the votes/s, "
     f"{sum(f(r,'cpu_us_per_vote') for r in fresh_tail) / sum(ref(r,'reference_cpu_us_per_vote') for r in fresh_tail):.2f} of the CPU per vote."
     if fresh_tail else "- No fresh-store reference in these rows."),
    f"- Dedup index at {int(last['stored']):,} stored votes: {f(last,'index_bytes_per_vote'):.1f} bytes per vote (target <= 40).",
    f"- Database file: {int(file_bytes) / 2**30:.2f} GiB.",
    (f"- Reopen of the store alone right after the writes (in-process, file in the page cache, snapshot deleted first: "
     f"index rebuilt): {float(reopen_s):.2f} s for {int(reopened):,} votes." if float(reopen_s) >= 0 else
     "- The writes ended like a crash (StoreBench --crash-end): no in-process reopen timed."),
    "",
    "Restart of the real server on the file, process start to `/readyz` 200 (target < 10 s), and the server's CPU until then:",
    "",
    "| restart | files in the page cache | CPU | pages dropped first | CPU |",
    "|---|---:|---:|---:|---:|",
    f"| after a crash (kill -9, no snapshot): index rebuilt from every vote | {crash[0]:.2f} s | {crash[1]:.2f} s | {crash[2]:.2f} s | {crash[3]:.2f} s |",
    f"| after a clean stop: index snapshot loaded | {clean[0]:.2f} s | {clean[1]:.2f} s | {clean[2]:.2f} s | {clean[3]:.2f} s |",
    (f"| after a crash with the snapshot written while running: loaded, then {running[4]} votes read after its mark | "
     f"{running[0]} s | {running[1]} s | {running[2]} s | {running[3]} s |" if running[0] != "-" else
     "| after a crash with the snapshot written while running | not measured (no running snapshot kept) | | | |"),
    "",
    f"- The clean stop (SIGTERM to exit, snapshot written) took {stop_s:.2f} s; the snapshot is {snapshot_bytes / 2**20:,.0f} MiB "
    f"({snapshot_bytes / int(reopened):.1f} bytes per vote).",
    "",
    f"![throughput](growth-{stamp}-throughput.svg)",
    f"![memory](growth-{stamp}-memory.svg)",
]
text = "\n".join(lines) + "\n"
open(out, "w").write(text)
print(text)
PY
echo "Written: bench/results/growth-$STAMP.md (+ -throughput.svg, -memory.svg)"
