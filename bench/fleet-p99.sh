#!/usr/bin/env bash
# End-to-end write latency of one node on a PostgreSQL fleet: starts a fleet script with one node, then runs the load
# generator against it, closed-loop (the most it takes) and open-loop at a fixed rate (steady-state p99), and prints
# both summaries. Used to compare the Patroni shape (deploy/local/run-fleet.sh) with the hand-made primary and two
# synchronous standbys it replaced (the script as it was at commit da9cd7e), on the same machine at the same time:
#
#   bench/fleet-p99.sh                    the current deploy/local/run-fleet.sh (etcd, Patroni, HAProxy)
#   bench/fleet-p99.sh --before           the pre-Patroni script (multi-host connection string, no HAProxy)
#
# Environment (optional): RATE (open-loop votes/s, default 3000), SECONDS_CLOSED (15), SECONDS_OPEN (20),
#   VIEWERS (200000), OUT (folder for the loadgen results, default bench/results/fleet-p99-<stamp>-<shape>).
# Rate limits and risk scoring are off in the fleet: all load comes from one address with brand-new tokens.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shape=patroni
script="$repo/deploy/local/run-fleet.sh"
if [[ "${1:-}" == --before ]]; then
  shape=before
  script="$repo/deploy/local/.run-fleet-before.sh"
  git -C "$repo" show da9cd7e:deploy/local/run-fleet.sh >"$script"
  chmod +x "$script"
fi
rate=${RATE:-3000}
stamp=$(date -u +%Y-%m-%dT%H-%MZ)
out=${OUT:-$repo/bench/results/fleet-p99-$stamp-$shape}
mkdir -p "$out"
artifacts=/tmp/livevote-fleet-p99-build
dotnet build -c Release "$repo/src/LiveVote.Cli" --artifacts-path "$artifacts" -v quiet -nologo >/dev/null
cli="$artifacts/bin/LiveVote.Cli/release/LiveVote.Cli.dll"

log=$(mktemp)
RUN_SECONDS=600 ARTIFACTS="$artifacts" LiveVote__RateLimits__Enabled=false LiveVote__Risk__Enabled=false \
  "$script" 1 >"$log" 2>&1 &
fleet=$!
cleanup() { kill "$fleet" 2>/dev/null || true; wait "$fleet" 2>/dev/null || true; rm -f "$log" "$repo/deploy/local/.run-fleet-before.sh"; }
trap cleanup EXIT
for _ in $(seq 1 900); do
  grep -q "Ctrl+C stops everything" "$log" && break
  kill -0 "$fleet" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.2
done
key=$(sed -n 's/.*admin key (X-Admin-Key): \(.*\)$/\1/p' "$log")
url=http://127.0.0.1:5101
echo "== $shape fleet up; closed loop ${SECONDS_CLOSED:-15} s"
dotnet "$cli" loadgen --url "$url" --admin-key "$key" --connections 256 --duration "${SECONDS_CLOSED:-15}" \
  --viewers "${VIEWERS:-200000}" --warmup 3 --out "$out/closed.json" | tail -n 30
echo "== $shape open loop at $rate votes/s for ${SECONDS_OPEN:-20} s"
dotnet "$cli" loadgen --url "$url" --admin-key "$key" --mode open --rate "$rate" --connections 256 \
  --duration "${SECONDS_OPEN:-20}" --viewers "${VIEWERS:-200000}" --warmup 3 --out "$out/open.json" | tail -n 30
echo "Results in $out"
