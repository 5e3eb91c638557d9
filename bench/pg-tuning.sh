#!/usr/bin/env bash
# PostgreSQL tuning figures for the real store commit path (issue 5): bench/LiveVote.StoreBench --postgres commits
# random votes in batches through PostgresVoteStore.CommitAsync (share-lock poll, standing-vote read, unnest insert
# ON CONFLICT DO NOTHING, audit chain rows, per-writer tallies: one transaction per batch) with 1 and 2 writers at once
# (2 store instances = 2 API nodes), under three throwaway clusters from Debian's binaries on loopback:
#   defaults  PostgreSQL defaults (fsync=on, synchronous_commit=on, shared_buffers=128MB, max_wal_size=1GB)
#   tuned     shared_buffers, max_wal_size, checkpoint_timeout, wal_compression, wal_buffers (bench/pg-clusters.sh)
#   sync      tuned + STANDBYS synchronous standbys on loopback, synchronous_standby_names='ANY 1 (...)'
# CLUSTERS="1 2" also runs each configuration on 2 independent clusters at once (each a primary, and its standbys
# for "sync"), WRITERS writers per cluster, the voters split between them by VoterPartitioner as a node with
# LiveVote:Postgres:Partitions:0,1 splits them: the scale-out of issue 15 on one machine (all clusters share its cores).
# fsync and synchronous_commit stay on everywhere: durability is never traded for speed. Each run gets a fresh
# database. Writes bench/results/pg-<date>.md (a table) and prints it.
#
#   bench/pg-tuning.sh [VOTES]      VOTES per run, default 2000000; a run stops early after MAX_SECONDS (150)
#
# Environment (optional): CONFIGS ("defaults tuned sync"), WRITERS ("1 2": per cluster), CLUSTERS ("1": cluster
#   counts to run), STANDBYS (2), BATCH (1000), PG_PORT_BASE (25432: the first free run of ports at or above it;
#   below the ephemeral range, so no outgoing connection takes a port between the probe and the start; standbys take
#   the next ports, cluster c the ports c x (STANDBYS+1) above), ARTIFACTS (/tmp/livevote-pgbench-build), MAX_LOAD (4: wait
#   up to LOAD_WAIT_SECONDS, default 120, for the 1-minute load average to drop below it before each run),
#   MAX_SECONDS (150: a run ends after this long even if VOTES are not all in), RUN_TIMEOUT (600 s per run), RESULTS (output file), SKIP_BUILD=1 (use the build already in ARTIFACTS).
set -euo pipefail

votes=${1:-2000000}
configs=${CONFIGS:-defaults tuned sync}
writer_counts=${WRITERS:-1 2}
cluster_counts=${CLUSTERS:-1}
standbys=${STANDBYS:-2}
batch=${BATCH:-1000}
pg_port_base=${PG_PORT_BASE:-25432}
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

work=$(mktemp -d /tmp/livevote-pgbench-XXXXXX)
# shellcheck source=bench/pg-clusters.sh
source "$repo/bench/pg-clusters.sh"
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

wait_for_quiet() {
  local waited=0
  while awk -v max="$max_load" '{ exit !($1 > max) }' /proc/loadavg && ((waited < load_wait)); do
    echo "  load average $(cut -d' ' -f1-3 /proc/loadavg) > $max_load: waiting (${waited}s so far)"
    sleep 15
    waited=$((waited + 15))
  done
}

# field NAME "RESULT a=1 b=2": the value of NAME (whole names: votes is not cluster_votes).
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }
# "db + client" CPU milliseconds per 1,000 votes: what a vote costs, far less sensitive to other load than votes/s.
cpu_per_1k() { echo "$(echo "scale=1; $1 * 1000000 / $(field votes "$2")" | bc) + $(echo "scale=1; $(field client_cpu "$2") * 1000000 / $(field votes "$2")" | bc)"; }
fmt() { printf '%.0f\n' "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
# fmt_list "a,b,...": each number formatted, joined by " / ".
fmt_list() { tr ',' '\n' <<<"$1" | while read -r r; do if [[ -n "$r" ]]; then fmt "$r"; fi; done | paste -sd '/' - | sed 's|/| / |g'; }
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
  for clusters in $cluster_counts; do
    members=1
    [[ $config == sync ]] && members=$((standbys + 1))
    base=$(free_port_base "$pg_port_base" $((clusters * members)))
    primaries=()
    for c in $(seq 0 $((clusters - 1))); do
      port=$((base + c * members))
      echo "== $config, cluster $((c + 1)) of $clusters: starting PostgreSQL on 127.0.0.1:$port$([[ $config == sync ]] && echo " with $standbys synchronous standbys (ANY 1)")"
      start_cluster "$config-c$c" "$config" "$port"
      primaries+=("$primary_port")
    done
    settings=$(psql_at "${primaries[0]}" "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name) FROM pg_settings WHERE name IN ('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'wal_compression', 'wal_buffers', 'fsync', 'synchronous_commit', 'synchronous_standby_names', 'full_page_writes')")
    echo "   $settings"
    for writers in $writer_counts; do
      database="bench_${writers}w"
      connections=()
      for port in "${primaries[@]}"; do
        psql_at "$port" "CREATE DATABASE $database"
        psql_at "$port" "CHECKPOINT"
        connections+=("Host=127.0.0.1;Port=$port;Username=postgres;Database=$database;Pooling=true;Maximum Pool Size=10")
      done
      wait_for_quiet
      load_before=$(cut -d' ' -f1-3 /proc/loadavg)
      db_cpu_before=$(pg_cpu_seconds)
      echo "-- $config, $clusters cluster(s), $writers writer(s) per cluster, $votes votes, batch $batch (load average $load_before)"
      output=$(timeout "$run_timeout" dotnet "$dll" --postgres "${connections[@]}" \
        --writers "$writers" --votes "$votes" --batch "$batch" --max-seconds "$max_seconds" | while IFS= read -r line; do echo "$line" >&2; echo "$line"; done)
      load_after=$(cut -d' ' -f1-3 /proc/loadavg)
      db_cpu=$(echo "$(pg_cpu_seconds) - $db_cpu_before" | bc)
      result=$(grep '^RESULT ' <<<"$output")
      wal_bytes=0
      for port in "${primaries[@]}"; do
        wal_bytes=$((wal_bytes + $(psql_at "$port" "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint")))
      done
      rows+=("| $config | $clusters | $writers | $(fmt "$(field votes "$result")") | $(fmt "$(field first "$result")") | $(fmt "$(field last "$result")") | $(fmt_list "$(field per_million "$result")") | **$(fmt "$(field overall "$result")")** | $(fmt_list "$(field cluster_overall "$result")") | $(field seconds "$result") | $(field rows "$result") | $(cpu_per_1k "$db_cpu" "$result") | $((wal_bytes / 1048576)) MB | $load_before / $load_after |")
      for port in "${primaries[@]}"; do
        psql_at "$port" "DROP DATABASE $database"
      done
    done
    stop_clusters
    rm -rf "$work/$config-"*
  done
done

{
  echo "# PostgreSQL store commit path: tuning, synchronous replication, clusters ($stamp)"
  echo
  echo "Command: \`bench/pg-tuning.sh $votes\` (CONFIGS=\"$configs\" CLUSTERS=\"$cluster_counts\" WRITERS=\"$writer_counts\" STANDBYS=$standbys BATCH=$batch MAX_SECONDS=$max_seconds)."
  echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') from Debian on 127.0.0.1, $(nproc) cores shared with other work,"
  echo "votes through the real \`PostgresVoteStore.CommitAsync\` (batches of $batch random 16-byte \`bytea\` voter keys, audit rows, tallies),"
  echo "fsync=on and synchronous_commit=on in every configuration. Rates in votes/s: first and last window of 250k votes, each"
  echo "million, and overall (all clusters together); per cluster = each cluster's votes / the time to its last commit."
  echo "With 2 or more clusters each is its own primary (and standbys), written at the same time by WRITERS writers of its own,"
  echo "voters split by \`VoterPartitioner\`: every cluster runs on the same $(nproc) cores, so they compete for them."
  echo "CPU = CPU time of the PostgreSQL processes (primaries and standbys) and of the bench client per 1,000 votes."
  echo "WAL = WAL written since initdb by the end of the run, over all primaries (cumulative over the configuration's runs)."
  echo
  echo "tuned = \`$(tr '\n' ';' <<<"$tuned_settings" | sed 's/;$//; s/;/, /g')\`; sync = tuned + $standbys standbys on loopback,"
  echo "\`synchronous_standby_names = 'ANY 1 (...)'\`."
  echo
  echo "| config | clusters | writers per cluster | votes | first 250k | last 250k | per million | overall | per cluster | seconds | rows | CPU ms per 1k votes (db + client) | WAL | load avg before / after |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} >"$results"
echo
cat "$results"
echo
echo "Written to $results"
