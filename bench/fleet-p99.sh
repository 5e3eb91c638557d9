#!/usr/bin/env bash
# End-to-end write latency of one node on a PostgreSQL fleet: starts a fleet script with one node, then runs the load
# generator against it, closed-loop (the most it takes) and open-loop at a fixed rate (steady-state p99), and prints
# both summaries. Used to compare the Patroni shape (deploy/local/run-fleet.sh) with the hand-made primary and two
# synchronous standbys it replaced (the script as it was at commit da9cd7e), on the same machine at the same time,
# and one store cluster with several (issue 15):
#
#   bench/fleet-p99.sh                    the current deploy/local/run-fleet.sh (etcd, Patroni, HAProxy)
#   bench/fleet-p99.sh --before           the pre-Patroni script (multi-host connection string, no HAProxy)
#   bench/fleet-p99.sh --clusters N       N independent clusters as bench/pg-tuning.sh's "sync" builds them (tuned
#                                         primary + STANDBYS synchronous standbys, ANY 1; bench/pg-clusters.sh), one
#                                         node in front with LiveVote:Postgres:Partitions:0..N-1; compare N=1 and N=2
#
# Environment (optional): RATE (open-loop votes/s, default 3000), SECONDS_CLOSED (15), SECONDS_OPEN (20),
#   VIEWERS (200000), OUT (folder for the loadgen results, default bench/results/fleet-p99-<stamp>-<shape>);
#   with --clusters: STANDBYS (2), PG_PORT_BASE (25532, below the ephemeral port range: the first free run of ports at or above it), NODE_PORT (5101:
#   the first free port at or above it).
# Rate limits and risk scoring are off in the fleet: all load comes from one address with brand-new tokens.
# Writes the load averages before and after each loadgen run to OUT/load.md (with --clusters: the votes each cluster stored).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shape=patroni
script="$repo/deploy/local/run-fleet.sh"
clusters=0
case "${1:-}" in
  --before)
    shape=before
    script="$repo/deploy/local/.run-fleet-before.sh"
    git -C "$repo" show da9cd7e:deploy/local/run-fleet.sh >"$script"
    chmod +x "$script"
    ;;
  --clusters)
    clusters=${2:?--clusters needs a count}
    [[ $clusters =~ ^[1-9][0-9]*$ ]] || { echo "--clusters needs a count >= 1" >&2; exit 2; }
    shape="clusters$clusters"
    ;;
  "") ;;
  *) echo "usage: bench/fleet-p99.sh [--before | --clusters N]" >&2; exit 2 ;;
esac
rate=${RATE:-3000}
stamp=$(date -u +%Y-%m-%dT%H-%MZ)
out=${OUT:-$repo/bench/results/fleet-p99-$stamp-$shape}
mkdir -p "$out"
artifacts=/tmp/livevote-fleet-p99-build
dotnet build -c Release "$repo/src/LiveVote.Cli" --artifacts-path "$artifacts" -v quiet -nologo >/dev/null
cli="$artifacts/bin/LiveVote.Cli/release/LiveVote.Cli.dll"

log=$(mktemp)
fleet=
node=
work=
cleanup() {
  set +e
  [[ -n "$fleet" ]] && { kill "$fleet" 2>/dev/null; wait "$fleet" 2>/dev/null; }
  [[ -n "$node" ]] && { kill "$node" 2>/dev/null; wait "$node" 2>/dev/null; }
  [[ -n "$work" ]] && { stop_clusters; rm -rf "$work"; }
  rm -f "$log" "$repo/deploy/local/.run-fleet-before.sh"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

random_secret() { head -c 32 /dev/urandom | base64 | tr -d '/+=\n'; }

# --clusters N: the clusters and one node started here, not by a fleet script.
start_clusters_and_node() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  standbys=${STANDBYS:-2}
  work=$(mktemp -d /tmp/livevote-fleet-clusters-XXXXXX)
  # shellcheck source=bench/pg-clusters.sh
  source "$repo/bench/pg-clusters.sh"
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$work"
  local base c port node_port
  base=$(free_port_base "${PG_PORT_BASE:-25532}" $((clusters * (standbys + 1))))
  for c in $(seq 0 $((clusters - 1))); do
    port=$((base + c * (standbys + 1)))
    echo "== cluster $c of $clusters: primary on 127.0.0.1:$port with $standbys synchronous standbys (ANY 1)"
    start_cluster "c$c" sync "$port"
    psql_at "$port" "CREATE DATABASE livevote"
    export "LiveVote__Postgres__Partitions__$c=Host=127.0.0.1;Port=$port;Timeout=5;Username=postgres;Database=livevote"
  done
  dotnet build -c Release "$repo/src/LiveVote.Server" --artifacts-path "$artifacts" -v quiet -nologo >/dev/null
  node_port=$(free_port_base "${NODE_PORT:-5101}" 1)
  key=$(random_secret)
  mkdir -p "$work/node"
  # The content root is the project folder, so the pages in wwwroot are served.
  (cd "$repo/src/LiveVote.Server" && exec env ASPNETCORE_URLS="http://127.0.0.1:$node_port" ASPNETCORE_ENVIRONMENT=Production \
    LiveVote__Storage=Postgres LiveVote__DataDirectory="$work/node" LiveVote__AdminKey="$key" \
    LiveVote__TokenSigningKey="$(random_secret)" LiveVote__VoterKeySecret="$(random_secret)" \
    LiveVote__CaptchaHmacKey="$(random_secret)" LiveVote__Audit__SigningKey="$(head -c 32 /dev/urandom | base64 -w0)" LiveVote__Demo__Enabled=false \
    LiveVote__RateLimits__Enabled=false LiveVote__Risk__Enabled=false \
    dotnet "$artifacts/bin/LiveVote.Server/release/LiveVote.Server.dll") >"$log" 2>&1 &
  node=$!
  url=http://127.0.0.1:$node_port
  for _ in $(seq 1 300); do
    curl -fs "$url/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$node" 2>/dev/null || { echo "The node exited; its log:" >&2; tail -n 40 "$log" >&2; exit 1; }
    sleep 0.2
  done
  echo "The node is not ready; its log:" >&2
  tail -n 40 "$log" >&2
  exit 1
}

if [[ $clusters -gt 0 ]]; then
  start_clusters_and_node
else
  RUN_SECONDS=600 ARTIFACTS="$artifacts" LiveVote__RateLimits__Enabled=false LiveVote__Risk__Enabled=false \
    "$script" 1 >"$log" 2>&1 &
  fleet=$!
  for _ in $(seq 1 900); do
    grep -q "Ctrl+C stops everything" "$log" && break
    kill -0 "$fleet" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.2
  done
  key=$(sed -n 's/.*admin key (X-Admin-Key): \(.*\)$/\1/p' "$log")
  url=http://127.0.0.1:5101
fi

{
  echo "# Load averages, bench/fleet-p99.sh ${1:-} ${2:-} ($shape, $stamp)"
  echo
  echo "| run | load average before | after |"
  echo "|---|---|---|"
} >"$out/load.md"
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "== $shape fleet up; closed loop ${SECONDS_CLOSED:-15} s"
before=$(load)
dotnet "$cli" loadgen --url "$url" --admin-key "$key" --connections 256 --duration "${SECONDS_CLOSED:-15}" \
  --viewers "${VIEWERS:-200000}" --warmup 3 --out "$out/closed.json" | tail -n 30
echo "| closed loop | $before | $(load) |" >>"$out/load.md"
echo "== $shape open loop at $rate votes/s for ${SECONDS_OPEN:-20} s"
before=$(load)
dotnet "$cli" loadgen --url "$url" --admin-key "$key" --mode open --rate "$rate" --connections 256 \
  --duration "${SECONDS_OPEN:-20}" --viewers "${VIEWERS:-200000}" --warmup 3 --out "$out/open.json" | tail -n 30
echo "| open loop at $rate/s | $before | $(load) |" >>"$out/load.md"
if [[ $clusters -gt 0 ]]; then
  # Where the votes went: each cluster should hold about 1/N of them (VoterPartitioner), the poll rows in every one.
  {
    echo
    echo "| cluster | votes stored | polls |"
    echo "|---|---|---|"
    for c in $(seq 0 $((clusters - 1))); do
      port=$(sed 's/.*Port=\([0-9]*\);.*/\1/' <<<"$(printenv "LiveVote__Postgres__Partitions__$c")")
      echo "| $c | $(as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d livevote -qAtc "SELECT count(*) FROM votes") | $(as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d livevote -qAtc "SELECT count(*) FROM polls") |"
    done
  } >>"$out/load.md"
fi
cat "$out/load.md"
echo "Results in $out"
