#!/usr/bin/env bash
# Failover figures of the Patroni scenarios (tests/LiveVote.Server.Tests/Storage/Postgres/PatroniFailoverTests.cs and
# PatroniZoneCutTests.cs):
# runs them RUNS times (default 3), each run booting real etcd, Patroni, PostgreSQL and HAProxy processes on loopback,
# with LIVEVOTE_FAILOVER_FIGURES set so every scenario appends one JSON line of figures; then prints, per scenario,
# the median of each figure as a markdown table (and writes it to bench/results/failover-<date>.md).
# The tests also assert: a failed run is reported and its figures are still counted.
#
#   bench/failover.sh [RUNS]
#
# Environment (optional): FILTER (default: both classes; e.g. FullyQualifiedName~Zombie for one scenario),
#   SKIP_BUILD=1 (use the Release build already there), RESULTS (output file), FIGURES (JSON lines file, kept).
# Needs patroni, etcd-server, etcd-client and haproxy installed (test.sh installs them). Runs as root: the members
# run as the postgres user.
set -euo pipefail

runs=${1:-3}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
filter=${FILTER:-FullyQualifiedName~PatroniFailoverTests|FullyQualifiedName~PatroniZoneCutTests}
stamp=$(date -u +%Y%m%d-%H%M%S)
figures=${FIGURES:-/tmp/livevote-failover-figures-$stamp.jsonl}
results=${RESULTS:-$root/bench/results/failover-$stamp.md}

cd "$root"
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  dotnet build LiveVote.slnx -c Release
fi

: >"$figures"
failed=0
for run in $(seq 1 "$runs"); do
  echo "== run $run of $runs" >&2
  if ! LIVEVOTE_FAILOVER_FIGURES="$figures" dotnet test tests/LiveVote.Server.Tests -c Release --no-build \
      --filter "$filter" --logger "console;verbosity=normal"; then
    failed=$((failed + 1))
    echo "run $run had failing tests" >&2
  fi
done

mkdir -p "$(dirname "$results")"
python3 - "$figures" "$runs" "$failed" >"$results" <<'PY'
import json, statistics, sys
path, runs, failed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = [json.loads(line) for line in open(path) if line.strip()]
columns = [
    ("without_primary_s", "s without a primary"),
    ("first_201_s", "s to first 201"),
    ("longest_no_201_s", "longest s without a 201"),
    ("votes_per_s_before", "votes/s before"),
    ("votes_per_s_during", "votes/s during"),
    ("votes_per_s_after", "votes/s after"),
    ("interim_503", "503s on the way"),
    ("boot_s", "boot s"),
]
order = ["node-loss", "database-crash", "zombie-primary", "rejoin", "etcd-member-lost"]
scenarios = sorted({r["scenario"] for r in rows}, key=lambda s: order.index(s) if s in order else len(order))
print(f"Failover figures: median of {runs} run(s) per scenario ({failed} run(s) with failing tests)\n")
print("| scenario | runs | " + " | ".join(title for _, title in columns) + " |")
print("|---|---|" + "---|" * len(columns))
for scenario in scenarios:
    of = [r for r in rows if r["scenario"] == scenario]
    cells = [f"{statistics.median(r[key] for r in of):.1f}" for key, _ in columns]
    print(f"| {scenario} | {len(of)} | " + " | ".join(cells) + " |")
PY
cat "$results"
echo "figures: $figures; table: $results" >&2
exit $((failed > 0))
