#!/usr/bin/env bash
# PostgreSQL tuning figures for the real store commit path (issue 5): bench/LiveVote.StoreBench --postgres commits
# random votes in batches through PostgresVoteStore.CommitAsync (share-lock poll, standing-vote read, unnest insert
# ON CONFLICT DO NOTHING, audit chain rows, per-writer tallies: one transaction per batch) with 1 and 2 writers at once
# (2 store instances = 2 API nodes), under three throwaway clusters from Debian's binaries on loopback:
#   defaults  PostgreSQL defaults (fsync=on, synchronous_commit=on, shared_buffers=128MB, max_wal_size=1GB)
#   tuned     shared_buffers, max_wal_size, checkpoint_timeout, wal_compression, wal_buffers (below)
#   sync      tuned + STANDBYS synchronous standbys on loopback, synchronous_standby_names='ANY 1 (...)'
# fsync and synchronous_commit stay on everywhere: durability is never traded for speed. Each run gets a fresh
# database. Writes bench/results/pg-<date>.md (a table) and prints it.
#
#   bench/pg-tuning.sh [VOTES]      VOTES per run, default 2000000; a run stops early after MAX_SECONDS (150)
#
# Environment (optional): CONFIGS ("defaults tuned sync"), WRITERS ("1 2"), STANDBYS (2), BATCH (1000),
#   PG_PORT_BASE (57432; standbys take the next ports), ARTIFACTS (/tmp/livevote-pgbench-build), MAX_LOAD (4: wait
#   up to LOAD_WAIT_SECONDS, default 120, for the 1-minute load average to drop below it before each run),
#   MAX_SECONDS (150: a run ends after this long even if VOTES are not all in), RUN_TIMEOUT (600 s per run), RESULTS (output file), SKIP_BUILD=1 (use the build already in ARTIFACTS).
set -euo pipefail

votes=${1:-2000000}
configs=${CONFIGS:-defaults tuned sync}
writer_counts=${WRITERS:-1 2}
standbys=${STANDBYS:-2}
batch=${BATCH:-1000}
pg_port_base=${PG_PORT_BASE:-57432}
artifacts=${ARTIFACTS:-/tmp/livevote-pgbench-build}
max_load=${MAX_LOAD:-4}
load_wait=${LOAD_WAIT_SECONDS:-120}
run_timeout=${RUN_TIMEOUT:-600}
max_seconds=${MAX_SECONDS:-150}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stamp=$(date -u +%Y-%m-%dT%H-%M-%SZ)
results=${RESULTS:-$repo/bench/results/pg-$stamp.md}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x "$pg_bin/initdb" ]] || { echo "PostgreSQL is not installed (Debian: apt-get install postgresql)." >&2; exit 1; }

# What "tuned" changes. 2 GB of buffers holds the votes primary key of ~10M rows; a large max_wal_size and a long
# checkpoint_timeout space checkpoints out, so fewer full-page images follow them; wal_compression shrinks those images.
tuned_settings="shared_buffers = 2GB
max_wal_size = 8GB
min_wal_size = 1GB
checkpoint_timeout = 15min
wal_compression = WAL_COMPRESSION
wal_buffers = 64MB"

work=$(mktemp -d /tmp/livevote-pgbench-XXXXXX)
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
running=()
stop_clusters() {
  for dir in "${running[@]}"; do
    [[ -f "$dir/postmaster.pid" ]] && as_pg "$pg_bin/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null 2>&1 || true
  done
  running=()
}
cleanup() { set +e; stop_clusters; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
[[ $(id -u) -eq 0 ]] && chown postgres:postgres "$work"

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  echo "Building LiveVote.StoreBench (Release) into $artifacts..."
  dotnet build -c Release "$repo/bench/LiveVote.StoreBench" --artifacts-path "$artifacts" -v quiet -nologo >"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; exit 1; }
fi
dll="$artifacts/bin/LiveVote.StoreBench/release/LiveVote.StoreBench.dll"

psql_at() { as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$1" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAtc "$2"; }

# start_cluster CONFIG: a fresh primary (and standbys for "sync") on pg_port_base...; fills $primary_port.
start_cluster() {
  local config=$1 dir="$work/$1-primary"
  primary_port=$pg_port_base
  for port in $(seq "$pg_port_base" $((pg_port_base + standbys))); do
    port_in_use "$port" && { echo "Port $port on 127.0.0.1 is taken: choose another PG_PORT_BASE." >&2; exit 1; }
  done
  as_pg "$pg_bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 --no-locale >"$work/$config-initdb.log"
  # lz4 where the binaries are built with it (Debian's are), else the default pglz.
  local method=pglz
  as_pg "$pg_bin/postgres" -D "$dir" -C wal_compression -c wal_compression=lz4 >/dev/null 2>&1 && method=lz4
  tuned_settings=${tuned_settings/WAL_COMPRESSION/$method}
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $primary_port"
    echo "unix_socket_directories = '$work'"
    echo "fsync = on"
    echo "synchronous_commit = on"
    [[ $config != defaults ]] && echo "$tuned_settings"
    if [[ $config == sync ]]; then
      local names
      names=$(seq -s ', ' -f 'standby_%g' 1 "$standbys")
      echo "synchronous_standby_names = 'ANY 1 ($names)'"
      echo "wal_keep_size = 1GB"
    fi
  } >>"$dir/postgresql.conf"
  as_pg "$pg_bin/pg_ctl" -D "$dir" -l "$work/$config-primary.log" -w -t 120 start >/dev/null
  running+=("$dir")
  if [[ $config == sync ]]; then
    for i in $(seq 1 "$standbys"); do
      local sdir="$work/$config-standby_$i" sport=$((pg_port_base + i))
      as_pg "$pg_bin/pg_basebackup" -D "$sdir" -h 127.0.0.1 -p "$primary_port" -U postgres -R -X stream -c fast
      # The application_name is what synchronous_standby_names refers to.
      as_pg bash -c "printf '%s\n' \"primary_conninfo = 'host=127.0.0.1 port=$primary_port user=postgres application_name=standby_$i'\" \"port = $sport\" > '$sdir/postgresql.auto.conf'"
      as_pg "$pg_bin/pg_ctl" -D "$sdir" -l "$work/$config-standby_$i.log" -w -t 120 start >/dev/null
      running+=("$sdir")
    done
    for _ in $(seq 1 600); do
      [[ $(psql_at "$primary_port" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state IN ('sync', 'quorum')") -ge $standbys ]] && break
      sleep 0.1
    done
    [[ $(psql_at "$primary_port" "SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')") -ge 1 ]] \
      || { echo "No synchronous standby streams." >&2; exit 1; }
  fi
}

wait_for_quiet() {
  local waited=0
  while awk -v max="$max_load" '{ exit !($1 > max) }' /proc/loadavg && ((waited < load_wait)); do
    echo "  load average $(cut -d' ' -f1-3 /proc/loadavg) > $max_load: waiting (${waited}s so far)"
    sleep 15
    waited=$((waited + 15))
  done
}

field() { grep -o "$1=[^ ]*" <<<"$2" | cut -d= -f2; }
# "db + client" CPU milliseconds per 1,000 votes: what a vote costs, far less sensitive to other load than votes/s.
cpu_per_1k() { echo "$(echo "scale=1; $1 * 1000000 / $(field votes "$2")" | bc) + $(echo "scale=1; $(field client_cpu "$2") * 1000000 / $(field votes "$2")" | bc)"; }
fmt() { printf '%.0f\n' "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
# CPU seconds used so far by the running clusters: each postmaster, its live children and its reaped ones.
pg_cpu_seconds() {
  local ticks=0 pid child
  # A backend whose client just left is counted in neither place until the postmaster has reaped it: let it.
  sleep 2
  for dir in "${running[@]}"; do
    pid=$(head -n 1 "$dir/postmaster.pid")
    ticks=$((ticks + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat")))
    for child in $(pgrep -P "$pid"); do
      ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null || echo 0)))
    done
  done
  echo "scale=1; $ticks / $(getconf CLK_TCK)" | bc
}

rows=()
for config in $configs; do
  echo "== $config: starting PostgreSQL on 127.0.0.1:$pg_port_base$([[ $config == sync ]] && echo " with $standbys synchronous standbys (ANY 1)")"
  start_cluster "$config"
  settings=$(psql_at "$primary_port" "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name) FROM pg_settings WHERE name IN ('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'wal_compression', 'wal_buffers', 'fsync', 'synchronous_commit', 'synchronous_standby_names', 'full_page_writes')")
  echo "   $settings"
  for writers in $writer_counts; do
    database="bench_${writers}w"
    psql_at "$primary_port" "CREATE DATABASE $database"
    psql_at "$primary_port" "CHECKPOINT"
    wait_for_quiet
    load_before=$(cut -d' ' -f1-3 /proc/loadavg)
    db_cpu_before=$(pg_cpu_seconds)
    echo "-- $config, $writers writer(s), $votes votes, batch $batch (load average $load_before)"
    output=$(timeout "$run_timeout" dotnet "$dll" --postgres \
      "Host=127.0.0.1;Port=$primary_port;Username=postgres;Database=$database;Pooling=true;Maximum Pool Size=10" \
      --writers "$writers" --votes "$votes" --batch "$batch" --max-seconds "$max_seconds" | while IFS= read -r line; do echo "$line" >&2; echo "$line"; done)
    load_after=$(cut -d' ' -f1-3 /proc/loadavg)
    db_cpu=$(echo "$(pg_cpu_seconds) - $db_cpu_before" | bc)
    result=$(grep '^RESULT ' <<<"$output")
    wal=$(psql_at "$primary_port" "SELECT pg_size_pretty(pg_current_wal_lsn() - '0/0'::pg_lsn)")
    per_million=$(field per_million "$result" | tr ',' '\n' | while read -r r; do if [[ -n "$r" ]]; then fmt "$r"; fi; done | paste -sd '/' -)
    rows+=("| $config | $writers | $(fmt "$(field votes "$result")") | $(fmt "$(field first "$result")") | $(fmt "$(field last "$result")") | $per_million | **$(fmt "$(field overall "$result")")** | $(field seconds "$result") | $(field rows "$result") | $(cpu_per_1k "$db_cpu" "$result") | $wal | $load_before / $load_after |")
    psql_at "$primary_port" "DROP DATABASE $database"
  done
  stop_clusters
  rm -rf "$work/$config-"*
done

{
  echo "# PostgreSQL store commit path: tuning and synchronous replication ($stamp)"
  echo
  echo "Command: \`bench/pg-tuning.sh $votes\` (CONFIGS=\"$configs\" WRITERS=\"$writer_counts\" STANDBYS=$standbys BATCH=$batch MAX_SECONDS=$max_seconds)."
  echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') from Debian on 127.0.0.1, $(nproc) cores shared with other work,"
  echo "votes through the real \`PostgresVoteStore.CommitAsync\` (batches of $batch random 16-byte \`bytea\` voter keys, audit rows, tallies),"
  echo "fsync=on and synchronous_commit=on in every configuration. Rates in votes/s: first and last window of 250k votes, each"
  echo "million, and overall. CPU = CPU time of the PostgreSQL processes (primary and standbys) and of the bench client per"
  echo "1,000 votes. WAL = WAL written since initdb by the end of the run (cumulative over the configuration's runs)."
  echo
  echo "tuned = \`$(tr '\n' ';' <<<"$tuned_settings" | sed 's/;$//; s/;/, /g')\`; sync = tuned + $standbys standbys on loopback,"
  echo "\`synchronous_standby_names = 'ANY 1 (...)'\`."
  echo
  echo "| config | writers | votes | first 250k | last 250k | per million | overall | seconds | rows | CPU ms per 1k votes (db + client) | WAL | load avg before / after |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} >"$results"
echo
cat "$results"
echo
echo "Written to $results"
