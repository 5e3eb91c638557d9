#!/usr/bin/env bash
# Runs every LiveVote test on a fresh Debian machine: installs what the tests need when it is missing (Debian's
# Chromium for the browser tests, Prometheus and promtool for the observability tests), builds in Release and runs
# the whole suite, renders the design document's diagrams and runs the benchmark's smoke test. .ci/run calls exactly
# this.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/prometheus ] || missing+=(prometheus)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
# The high-availability tests run real Patroni members over etcd behind HAProxy, and cut zones off with network
# namespaces (iproute2's `ip`).
[ -x /usr/bin/patroni ] || missing+=(patroni)
[ -x /usr/bin/etcd ] || missing+=(etcd-server)
[ -x /usr/bin/etcdctl ] || missing+=(etcd-client)
[ -x /usr/sbin/haproxy ] || missing+=(haproxy)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
for tool in jq curl python3; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done  # bench/run.sh
# bench/run.sh's wrk comparison (bench/wrk/*.lua): wrk 4.x, Debian's package.
[ -x /usr/bin/wrk ] || missing+=(wrk)
# deploy/kubernetes/check.sh renders the manifests with kubectl's kustomize and reads the render with PyYAML.
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
python3 -c 'import yaml' >/dev/null 2>&1 || missing+=(python3-yaml)
# deploy/ansible/ci.sh (and Deploy/RollPostgresTests, which runs roll-postgres.yml): ansible, the playbooks' linters,
# and systemd-analyze for the units (systemd need not run as PID 1).
[ -x /usr/bin/ansible-playbook ] || missing+=(ansible-core)
[ -x /usr/bin/ansible-lint ] || missing+=(ansible-lint)
[ -x /usr/bin/yamllint ] || missing+=(yamllint)
[ -x /usr/bin/shellcheck ] || missing+=(shellcheck)
[ -x /usr/bin/systemd-analyze ] || missing+=(systemd)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing test dependencies: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  # etcd-server's and haproxy's install scripts start their daemons; there is no init system here and the tests start
  # their own, so a temporary policy-rc.d (exit 101: "action forbidden") keeps the package scripts from starting any.
  policy=/usr/sbin/policy-rc.d
  placed_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod +x "$policy" && placed_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" || { [ -z "$placed_policy" ] || $sudo rm -f "$policy"; exit 1; }
  [ -z "$placed_policy" ] || $sudo rm -f "$policy"
fi

# axe-core for the browser tests' accessibility checks: a test-only npm package, pinned by its lock file (the pages
# themselves have no build step and no npm dependency).
[ -f tests/LiveVote.Browser.Tests/node_modules/axe-core/axe.min.js ] || (cd tests/LiveVote.Browser.Tests && npm ci --no-audit --no-fund)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log=$(mktemp)
status=0
dotnet test LiveVote.slnx -c Release 2>&1 | tee "$log" || status=$?

# Every Mermaid diagram of the design document must render (real Mermaid in Debian's Chromium).
docs/check-mermaid.sh || status=$?

# The Kubernetes manifests render (kubectl kustomize) and hold the promised kinds, probes and limits; not applied:
# there is no Kubernetes API here.
deploy/kubernetes/check.sh || status=$?

# The benchmark's smoke run (bench/run.sh --quick, about a minute): baseline, closed and open loop against real
# servers, and a short wrk pass at both; it fails on any end-of-run check (lost or double-counted vote, 5xx, a wrk vote
# answered other than 201), never on a speed.
bench/run.sh --quick || status=$?

# The playbooks: lint, syntax, systemd units, then the whole fleet on this machine for real (site.yml, a vote,
# idempotence, roll.yml under load); a few minutes.
deploy/ansible/ci.sh || status=$?

# One closing line for the whole suite, summed over the test assemblies.
awk '/(Passed|Failed)!  - Failed:/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") f += $(i + 1); if ($i == "Passed:") p += $(i + 1); if ($i == "Skipped:") s += $(i + 1)
       }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
