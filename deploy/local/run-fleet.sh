#!/usr/bin/env bash
# A LiveVote fleet on this machine, in one command, in the production shape (deploy/patroni): three etcd members and
# three Patroni-managed PostgreSQL members (zone_a, zone_b, zone_c: one primary, one synchronous standby, strict) on
# loopback ports, HAProxy in front checking Patroni's GET /primary, and N LiveVote nodes reaching the primary through
# HAProxy. Failover is Patroni's: kill the leader (see below) and watch it happen. Everything lives in a temp folder;
# Ctrl+C stops every process by pid and removes the folder.
#
#   deploy/local/run-fleet.sh [NODES]          NODES defaults to 3
#
# Environment (all optional):
#   NODE_PORT_BASE   first node's HTTP port (default 5101; node i listens on NODE_PORT_BASE+i-1)
#   HA_PORT_BASE     HAProxy's port (default 56400); its stats page +1; PostgreSQL members +10..+12, Patroni REST
#                    +20..+22, etcd clients +30..+32, etcd peers +40..+42
#   RUN_SECONDS      stop by itself after this many seconds (default: run until Ctrl+C)
#   KEEP_DATA=1      keep the temp folder (databases, logs) after stopping
#   ARTIFACTS        where the Release build goes (default /tmp/livevote-fleet-build)
#   SERVER_DLL       run this LiveVote.Server.dll instead of building one (the tests pass their own build)
#   LiveVote__...    any server setting, passed through to every node, e.g. LiveVote__RateLimits__Enabled=false
#
# Needs Debian's patroni, etcd-server, etcd-client and haproxy (./test.sh installs them). Failover by hand:
#   patronictl -c <folder>/zone_a/patroni.yml list               who leads, who is the synchronous standby
#   kill -9 <the leader's Patroni pid and postmaster pid>         node loss: a new leader within the lease (ttl 20 s)
#   patronictl -c <folder>/zone_a/patroni.yml switchover          a planned switchover
set -euo pipefail

nodes=${1:-3}
node_port_base=${NODE_PORT_BASE:-5101}
ha_port_base=${HA_PORT_BASE:-56400}
artifacts=${ARTIFACTS:-/tmp/livevote-fleet-build}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
templates="$repo/deploy/patroni"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
for tool in "$pg_bin/initdb" /usr/bin/patroni /usr/bin/etcd /usr/sbin/haproxy; do
  if [[ ! -x "$tool" ]]; then
    echo "$tool is missing (Debian: apt-get install postgresql patroni etcd-server etcd-client haproxy, or run ./test.sh once)." >&2
    exit 1
  fi
done

zones=(zone_a zone_b zone_c)
haproxy_port=$ha_port_base
stats_port=$((ha_port_base + 1))
pg_port() { echo $((ha_port_base + 10 + $1)); }
rest_port() { echo $((ha_port_base + 20 + $1)); }
etcd_client_port() { echo $((ha_port_base + 30 + $1)); }
etcd_peer_port() { echo $((ha_port_base + 40 + $1)); }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$haproxy_port" "$stats_port" $(for i in 0 1 2; do pg_port $i; rest_port $i; etcd_client_port $i; etcd_peer_port $i; done) \
  $(seq "$node_port_base" $((node_port_base + nodes - 1))); do
  if port_in_use "$port"; then
    echo "Port $port on 127.0.0.1 is taken: choose others with HA_PORT_BASE / NODE_PORT_BASE." >&2
    exit 1
  fi
done

work=$(mktemp -d /tmp/livevote-fleet-XXXXXX)
chmod 755 "$work"
node_pids=()
patroni_pids=()
store_pids=()
timer_pid=

# SIGTERM, up to 30 s to exit, then SIGKILL.
stop_pids() {
  local pid alive
  for pid in "$@"; do kill "$pid" 2>/dev/null; done
  for _ in $(seq 1 150); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [[ $alive -eq 0 ]] && return
    sleep 0.2
  done
  for pid in "$@"; do kill -9 "$pid" 2>/dev/null; done
}

stop_all() {
  trap - EXIT
  set +e # stop whatever still runs, whatever fails
  echo
  echo "Stopping the fleet..."
  if [[ -n "$timer_pid" ]]; then kill "$timer_pid" 2>/dev/null; fi
  for pid in "${node_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${node_pids[@]}"; do wait "$pid" 2>/dev/null; done
  # Patroni first (on SIGTERM it stops its PostgreSQL, and needs etcd to give up its leader key), then HAProxy and etcd.
  stop_pids "${patroni_pids[@]}"
  stop_pids "${store_pids[@]}"
  # A postmaster left behind by a Patroni killed by hand (kill -9 does not let it stop PostgreSQL).
  for zone in "${zones[@]}"; do
    if [[ -f "$work/$zone/data/postmaster.pid" ]]; then
      kill -9 "$(head -n 1 "$work/$zone/data/postmaster.pid")" 2>/dev/null
    fi
  done
  if [[ "${KEEP_DATA:-0}" == 1 ]]; then echo "Kept $work"; else rm -rf "$work"; fi
  echo "Stopped."
}
trap stop_all EXIT
trap 'exit 130' INT TERM

random_secret() { head -c 32 /dev/urandom | base64 | tr -d '/+=\n'; }

# Fills every {{ key }} of a deploy/patroni template: render TEMPLATE OUT key=value...
render() {
  local template=$1 out=$2 text
  shift 2
  text=$(cat "$templates/$template")
  for pair in "$@"; do
    text=${text//"{{ ${pair%%=*} }}"/"${pair#*=}"}
  done
  if grep -q '{{ ' <<<"$text"; then
    echo "$template: unfilled placeholders: $(grep -o '{{ [a-z_]* }}' <<<"$text" | sort -u | tr '\n' ' ')" >&2
    exit 1
  fi
  printf '%s\n' "$text" >"$out"
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "No $what within $seconds s; logs in $work (KEEP_DATA=1 keeps them)." >&2
  tail -n 20 "$work"/*.log "$work"/*/*.log 2>/dev/null >&2 || true
  exit 1
}

dll=${SERVER_DLL:-}
if [[ -z "$dll" ]]; then
  echo "Building LiveVote.Server (Release) into $artifacts..."
  dotnet build -c Release "$repo/src/LiveVote.Server" --artifacts-path "$artifacts" -v quiet -nologo >"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; exit 1; }
  dll="$artifacts/bin/LiveVote.Server/release/LiveVote.Server.dll"
fi

scope="livevote-local-$(basename "$work")"
superuser_password=$(random_secret)
replication_password=$(random_secret)

echo "Starting etcd (3 members) on $(etcd_client_port 0)-$(etcd_client_port 2)..."
initial_cluster=$(for i in 0 1 2; do printf '%s=http://127.0.0.1:%s,' "etcd_${zones[$i]}" "$(etcd_peer_port $i)"; done)
etcd_hosts=$(for i in 0 1 2; do printf '127.0.0.1:%s,' "$(etcd_client_port $i)"; done)
for i in 0 1 2; do
  mkdir -p "$work/etcd_${zones[$i]}"
  render etcd.yml "$work/etcd_${zones[$i]}/etcd.yml" name="etcd_${zones[$i]}" data_dir="$work/etcd_${zones[$i]}/data" \
    address=127.0.0.1 client_port="$(etcd_client_port $i)" peer_port="$(etcd_peer_port $i)" \
    initial_cluster="${initial_cluster%,}" cluster_token="$scope"
  /usr/bin/etcd --config-file "$work/etcd_${zones[$i]}/etcd.yml" >"$work/etcd_${zones[$i]}.log" 2>&1 &
  store_pids+=($!)
done
for i in 0 1 2; do
  wait_for 60 "healthy etcd member ${zones[$i]}" sh -c "curl -fs http://127.0.0.1:$(etcd_client_port $i)/health | grep -q '\"true\"'"
done

echo "Starting Patroni members ${zones[*]} (PostgreSQL on $(pg_port 0)-$(pg_port 2), REST on $(rest_port 0)-$(rest_port 2))..."
cp "$templates/post-bootstrap.sh" "$work/post-bootstrap.sh"
chmod 755 "$work/post-bootstrap.sh"
for i in 0 1 2; do
  dir="$work/${zones[$i]}"
  mkdir -p "$dir"
  render patroni.yml "$dir/patroni.yml" scope="$scope" namespace=livevote name="${zones[$i]}" address=127.0.0.1 \
    rest_port="$(rest_port $i)" pg_port="$(pg_port $i)" etcd_hosts="${etcd_hosts%,}" deploy_dir="$work" \
    data_dir="$dir/data" bin_dir="$pg_bin" pgpass="$dir/pgpass" socket_dir="$dir" allowed_cidr=127.0.0.1/32 \
    wal_archive_dir="$work/wal-archive"
done
# One WAL archive for the three members (archive_command in patroni.yml), as a shared archive mount would be.
mkdir -p "$work/wal-archive"
# Patroni and PostgreSQL run as postgres when this runs as root (PostgreSQL refuses root).
run_as=()
if [[ $(id -u) -eq 0 ]]; then
  chown -R postgres:postgres "$work"/zone_* "$work/wal-archive"
  run_as=(runuser -u postgres --)
fi
for i in 0 1 2; do
  dir="$work/${zones[$i]}"
  (cd "$dir" && exec "${run_as[@]}" env HOME="$dir" PATRONI_SUPERUSER_PASSWORD="$superuser_password" \
    PATRONI_REPLICATION_PASSWORD="$replication_password" /usr/bin/patroni "$dir/patroni.yml") >"$work/${zones[$i]}.log" 2>&1 &
  patroni_pids+=($!)
done

servers=$(for i in 0 1 2; do printf '    server %s 127.0.0.1:%s check port %s\n' "${zones[$i]}" "$(pg_port $i)" "$(rest_port $i)"; done)
render haproxy.cfg "$work/haproxy.cfg" bind_address=127.0.0.1 bind_port="$haproxy_port" stats_address=127.0.0.1 \
  stats_port="$stats_port" servers="$servers"
/usr/sbin/haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
store_pids+=($!)

# Writable through HAProxy once a leader runs as primary and (strict synchronous mode) a synchronous standby is named.
has_sync_standby() { curl -fs "http://127.0.0.1:$(rest_port 0)/cluster" | grep -Eq '"role": ?"sync_standby"'; }
wait_for 120 "leader" sh -c "for p in $(rest_port 0) $(rest_port 1) $(rest_port 2); do curl -fs http://127.0.0.1:\$p/primary && exit 0; done; exit 1"
wait_for 120 "synchronous standby" has_sync_standby
export PGPASSWORD="$superuser_password"
wait_for 60 "write through HAProxy" "$pg_bin/psql" -h 127.0.0.1 -p "$haproxy_port" -U postgres -d livevote -Atc \
  "CREATE TABLE IF NOT EXISTS fleet_check (id int); DROP TABLE fleet_check"
unset PGPASSWORD

connection="Host=127.0.0.1;Port=$haproxy_port;Timeout=5;Username=postgres;Password=$superuser_password;Database=livevote"
admin_key=$(random_secret)
export LiveVote__Storage=Postgres
export LiveVote__Postgres__ConnectionString="$connection"
export LiveVote__AdminKey="$admin_key"
export LiveVote__TokenSigningKey=$(random_secret)
export LiveVote__VoterKeySecret=$(random_secret)
export LiveVote__CaptchaHmacKey=$(random_secret)
export LiveVote__Audit__SigningKey=$(head -c 32 /dev/urandom | base64 -w0)
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
echo "  PostgreSQL through HAProxy: 127.0.0.1:$haproxy_port (stats: http://127.0.0.1:$stats_port/stats)"
echo "  Patroni: patronictl -c $work/zone_a/patroni.yml list"
echo "  logs: $work/node<i>.log, $work/zone_<x>.log (Patroni), $work/zone_<x>/data/log (PostgreSQL), $work/etcd_zone_<x>.log"
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
