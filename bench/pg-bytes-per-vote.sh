#!/usr/bin/env bash
# Bytes per vote on a PostgreSQL primary: table and index bytes (votes, audit, tallies) and WAL, per stored vote, for
# the capacity model (docs/design.md section 11). bench/LiveVote.StoreBench --postgres commits VOTES random votes
# through the real PostgresVoteStore.CommitAsync (one writer, batches of 1,000) into a throwaway cluster on loopback
# with pg-tuning.sh's "tuned" settings (a standby changes neither figure: it replays the same WAL). WAL is
# pg_current_wal_lsn() after minus before the run, from a CHECKPOINT taken just before it, so it includes the full-page
# images of the first touch of each page; at millions of votes between checkpoints their share falls (pg-*.md: WAL
# since initdb). Light: 200k votes take seconds. Writes bench/results/pg-bytes-<date>.md and prints it.
#
#   bench/pg-bytes-per-vote.sh [VOTES]     default 200000
#
# Environment (optional): ARTIFACTS (/tmp/livevote-pgbench-build), SKIP_BUILD=1, RESULTS (output file).
set -euo pipefail

votes=${1:-200000}
artifacts=${ARTIFACTS:-/tmp/livevote-pgbench-build}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stamp=$(date -u +%Y-%m-%dT%H-%M-%SZ)
results=${RESULTS:-$repo/bench/results/pg-bytes-$stamp.md}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x "$pg_bin/initdb" ]] || { echo "PostgreSQL is not installed (Debian: apt-get install postgresql)." >&2; exit 1; }

work=$(mktemp -d /tmp/livevote-pgbytes-XXXXXX)
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
cleanup() {
  set +e
  [[ -f "$work/db/postmaster.pid" ]] && as_pg "$pg_bin/pg_ctl" -D "$work/db" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[[ $(id -u) -eq 0 ]] && chown postgres:postgres "$work"

# A free port: others run PostgreSQL clusters on this machine at the same time.
port=$((20000 + RANDOM % 20000))
while port_in_use "$port"; do port=$((port + 1)); done

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  echo "Building LiveVote.StoreBench (Release) into $artifacts..."
  dotnet build -c Release "$repo/bench/LiveVote.StoreBench" --artifacts-path "$artifacts" -v quiet -nologo >"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; exit 1; }
fi
dll="$artifacts/bin/LiveVote.StoreBench/release/LiveVote.StoreBench.dll"

as_pg "$pg_bin/initdb" -D "$work/db" -U postgres -A trust -E UTF8 --no-locale >"$work/initdb.log"
method=pglz
as_pg "$pg_bin/postgres" -D "$work/db" -C wal_compression -c wal_compression=lz4 >/dev/null 2>&1 && method=lz4
cat >>"$work/db/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$work'
fsync = on
synchronous_commit = on
shared_buffers = 2GB
max_wal_size = 8GB
min_wal_size = 1GB
checkpoint_timeout = 15min
wal_compression = $method
wal_buffers = 64MB
CONF
as_pg "$pg_bin/pg_ctl" -D "$work/db" -l "$work/db.log" -w -t 120 start >/dev/null
psql_at() { as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d "${2:-postgres}" -v ON_ERROR_STOP=1 -qAtc "$1"; }

psql_at "CREATE DATABASE bench"
psql_at "CHECKPOINT"
lsn_before=$(psql_at "SELECT pg_current_wal_lsn()")
echo "-- $votes votes, 1 writer, batch 1000 (load average $(cut -d' ' -f1-3 /proc/loadavg))"
dotnet "$dll" --postgres "Host=127.0.0.1;Port=$port;Username=postgres;Database=bench;Pooling=true;Maximum Pool Size=4" \
  --writers 1 --votes "$votes" --batch 1000 | tee "$work/run.log"
wal=$(psql_at "SELECT pg_current_wal_lsn() - '$lsn_before'::pg_lsn")
psql_at "VACUUM ANALYZE" bench
stored=$(psql_at "SELECT count(*) FROM votes" bench)
sizes=$(psql_at "SELECT c.relname || ' ' || pg_table_size(c.oid) || ' ' || pg_indexes_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname IN ('votes', 'audit', 'tallies') ORDER BY c.relname" bench)
per() { echo "scale=0; $1 / $stored" | bc; }

{
  echo "# PostgreSQL bytes per vote ($stamp)"
  echo
  echo "Command: \`bench/pg-bytes-per-vote.sh $votes\`. PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}'), pg-tuning.sh's tuned settings (wal_compression = $method),"
  echo "one writer, batches of 1,000 random 16-byte voter keys through \`PostgresVoteStore.CommitAsync\`; $stored votes stored."
  echo "Sizes after VACUUM ANALYZE (table = heap + TOAST + free space map + visibility map)."
  echo
  echo "| relation | table bytes per vote | index bytes per vote |"
  echo "| --- | ---: | ---: |"
  total=0
  while read -r name table index; do
    echo "| \`$name\` | $(per "$table") | $(per "$index") |"
    total=$((total + table + index))
  done <<<"$sizes"
  echo "| **all three** | **$(per "$total")** (tables + indexes) | |"
  echo
  echo "WAL from a CHECKPOINT to the end of the run: $wal bytes, **$(per "$wal") bytes per vote** (load average after: $(cut -d' ' -f1-3 /proc/loadavg))."
} >"$results"
echo
cat "$results"
echo "Written to $results"
