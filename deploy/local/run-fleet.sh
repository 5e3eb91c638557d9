#!/usr/bin/env bash
# A LiveVote fleet on this machine, in one command: PostgreSQL as three "zones" (a primary and two synchronous
# standbys, ANY 1 of them must hold each commit) in a temp folder on loopback ports, and N LiveVote nodes on loopback
# ports sharing one set of secrets and a multi-host connection string. Ctrl+C stops everything and removes the folder.
#
#   deploy/local/run-fleet.sh [NODES]          NODES defaults to 3
#
# Environment (all optional):
#   NODE_PORT_BASE   first node's HTTP port (default 5101; node i listens on NODE_PORT_BASE+i-1)
#   PG_PORT_BASE     primary's port (default 56432; the standbys take the next two)
#   RUN_SECONDS      stop by itself after this many seconds (default: run until Ctrl+C)
#   KEEP_DATA=1      keep the temp folder (databases, logs) after stopping
#   ARTIFACTS        where the Release build goes (default /tmp/livevote-fleet-build)
#   LiveVote__...    any server setting, passed through to every node, e.g. LiveVote__RateLimits__Enabled=false
#
# Failover by hand (what the three-zone test scripts): kill -9 the primary's postmaster, promote the standby with the
# highest pg_last_wal_receive_lsn(), point the other standby at it; the nodes find the new primary by themselves.
set -euo pipefail

nodes=${1:-3}
node_port_base=${NODE_PORT_BASE:-5101}
pg_port_base=${PG_PORT_BASE:-56432}
artifacts=${ARTIFACTS:-/tmp/livevote-fleet-build}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [[ -z "$pg_bin" || ! -x "$pg_bin/initdb" ]]; then
  echo "PostgreSQL is not installed (Debian: apt-get install postgresql)." >&2
  exit 1
fi

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in $(seq "$pg_port_base" $((pg_port_base + 2))) $(seq "$node_port_base" $((node_port_base + nodes - 1))); do
  if port_in_use "$port"; then
    echo "Port $port on 127.0.0.1 is taken: choose others with PG_PORT_BASE / NODE_PORT_BASE." >&2
    exit 1
  fi
done

work=$(mktemp -d /tmp/livevote-fleet-XXXXXX)
zones=(zone_a zone_b zone_c)
node_pids=()
timer_pid=

# PostgreSQL refuses to run as root: as root its servers run as the postgres user.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_port() { echo $((pg_port_base + $1)); }

stop_all() {
  trap - EXIT
  set +e # stop whatever still runs, whatever fails
  echo
  echo "Stopping the fleet..."
  if [[ -n "$timer_pid" ]]; then kill "$timer_pid" 2>/dev/null || true; fi
  for pid in "${node_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${node_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for zone in "${zones[@]}"; do
    if [[ -f "$work/$zone/postmaster.pid" ]]; then
      as_pg "$pg_bin/pg_ctl" -D "$work/$zone" -m fast -w stop >/dev/null 2>&1 || true
    fi
  done
  if [[ "${KEEP_DATA:-0}" == 1 ]]; then echo "Kept $work"; else rm -rf "$work"; fi
  echo "Stopped."
}
trap stop_all EXIT
trap 'exit 130' INT TERM

random_secret() { head -c 32 /dev/urandom | base64 | tr -d '/+=\n'; }

echo "Building LiveVote.Server (Release) into $artifacts..."
dotnet build -c Release "$repo/src/LiveVote.Server" --artifacts-path "$artifacts" -v quiet -nologo >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; exit 1; }
dll="$artifacts/bin/LiveVote.Server/release/LiveVote.Server.dll"

[[ $(id -u) -eq 0 ]] && chown postgres:postgres "$work"

echo "Starting PostgreSQL: primary ${zones[0]} on $(pg_port 0), synchronous standbys ${zones[1]} on $(pg_port 1), ${zones[2]} on $(pg_port 2)..."
as_pg "$pg_bin/initdb" -D "$work/${zones[0]}" -U postgres -A trust -E UTF8 --no-locale >"$work/initdb.log"
# Everything but the port is in postgresql.conf, which pg_basebackup copies: a promoted standby is a synchronous
# primary for the remaining one straight away.
cat >>"$work/${zones[0]}/postgresql.conf" <<EOF

listen_addresses = '127.0.0.1'
max_connections = 200
wal_level = replica
max_wal_senders = 10
hot_standby = on
synchronous_commit = on
synchronous_standby_names = 'ANY 1 (${zones[1]}, ${zones[2]})'
wal_keep_size = 256MB
EOF

start_zone() {
  as_pg "$pg_bin/pg_ctl" -D "$work/${zones[$1]}" -l "$work/${zones[$1]}.log" -w -t 60 \
    -o "-p $(pg_port "$1") -k $work" start >/dev/null
}

start_zone 0
for i in 1 2; do
  as_pg "$pg_bin/pg_basebackup" -D "$work/${zones[$i]}" -h 127.0.0.1 -p "$(pg_port 0)" -U postgres -R -X stream -c fast
  # application_name is what synchronous_standby_names refers to.
  as_pg tee "$work/${zones[$i]}/postgresql.auto.conf" >/dev/null <<EOF
primary_conninfo = 'host=127.0.0.1 port=$(pg_port 0) user=postgres application_name=${zones[$i]}'
recovery_target_timeline = 'latest'
EOF
  start_zone "$i"
done

for _ in $(seq 1 100); do
  streaming=$(as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$(pg_port 0)" -U postgres -d postgres -Atc \
    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state IN ('sync', 'quorum')")
  [[ "$streaming" -ge 2 ]] && break
  sleep 0.2
done
[[ "$streaming" -ge 2 ]] || { echo "The standbys do not stream; see $work/*.log" >&2; exit 1; }
as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$(pg_port 0)" -U postgres -d postgres -qc "CREATE DATABASE livevote"

hosts=$(for i in 0 1 2; do printf '127.0.0.1:%s,' "$(pg_port "$i")"; done)
connection="Host=${hosts%,};Target Session Attributes=read-write;Host Recheck Seconds=1;Timeout=5;Username=postgres;Database=livevote"
admin_key=$(random_secret)
export LiveVote__Storage=Postgres
export LiveVote__Postgres__ConnectionString="$connection"
export LiveVote__AdminKey="$admin_key"
export LiveVote__TokenSigningKey=$(random_secret)
export LiveVote__VoterKeySecret=$(random_secret)
export LiveVote__CaptchaHmacKey=$(random_secret)
export LiveVote__Demo__Enabled=${LiveVote__Demo__Enabled:-false}
export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Production}

echo "Starting $nodes LiveVote nodes..."
for i in $(seq 1 "$nodes"); do
  port=$((node_port_base + i - 1))
  mkdir -p "$work/node$i"
  # The content root is the project folder, so the pages in wwwroot are served.
  (cd "$repo/src/LiveVote.Server" && exec env ASPNETCORE_URLS="http://127.0.0.1:$port" \
    LiveVote__DataDirectory="$work/node$i" dotnet "$dll") >"$work/node$i.log" 2>&1 &
  node_pids+=($!)
done

for i in $(seq 1 "$nodes"); do
  port=$((node_port_base + i - 1))
  for _ in $(seq 1 150); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    if ! kill -0 "${node_pids[$((i - 1))]}" 2>/dev/null; then
      echo "Node $i exited; its log:" >&2; tail -n 40 "$work/node$i.log" >&2; exit 1
    fi
    sleep 0.2
  done
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { echo "Node $i is not ready; see $work/node$i.log" >&2; exit 1; }
done

echo
echo "LiveVote fleet is up (folder $work):"
for i in $(seq 1 "$nodes"); do echo "  node $i: http://127.0.0.1:$((node_port_base + i - 1))/"; done
echo "  admin key (X-Admin-Key): $admin_key"
echo "  PostgreSQL: $connection"
echo "  logs: $work/node<i>.log, $work/zone_<x>.log"
echo "Ctrl+C stops everything."

if [[ -n "${RUN_SECONDS:-}" ]]; then
  sleep "$RUN_SECONDS" &
  timer_pid=$!
  wait "$timer_pid" || true
else
  # Returns when a node dies (or on Ctrl+C, through the trap).
  wait -n "${node_pids[@]}" || true
  echo "A node exited; see $work/node*.log" >&2
fi
