#!/usr/bin/env bash
# CI check of the Kubernetes manifests: they must render with `kubectl kustomize` (a current kubectl and Debian 12's
# kubernetes-client 1.20 alike), and the render must hold what the README promises: the kinds, zone spread, probes on
# the management port, a grace period that covers the drain, a locked-down pod, secrets only by reference, the HPA on
# CPU and the queue metric. Nothing is applied: there is no Kubernetes API here.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

command -v kubectl >/dev/null 2>&1 || { echo "check.sh: kubectl not found (Debian: apt-get install kubernetes-client)" >&2; exit 1; }
rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT

# Lint the sources where yamllint is installed (test.sh installs it for the Ansible checks).
if command -v yamllint >/dev/null 2>&1; then
  yamllint -d '{extends: default, rules: {line-length: {max: 120}}}' "$here"
fi

# kubectl 1.32 warns (on stderr) that commonLabels is deprecated; kubectl 1.20's kustomize knows no replacement.
kubectl kustomize "$here" >"$rendered"

python3 - "$rendered" "$here/prometheus-adapter/rules.yaml" "$repo/src/LiveVote.Server/Telemetry" <<'PY'
import pathlib
import re
import sys

import yaml

rendered, rules_file, telemetry = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
docs = [d for d in yaml.safe_load_all(open(rendered, encoding="utf-8")) if d]
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def of_kind(kind):
    return [d for d in docs if d["kind"] == kind]


kinds = sorted(d["kind"] for d in docs)
for kind in ["Deployment", "HorizontalPodAutoscaler", "Namespace", "PodDisruptionBudget", "Service"]:
    check(kind in kinds, f"no {kind} rendered (got {kinds})")
for d in docs:
    if d["kind"] != "Namespace":
        check(d["metadata"].get("namespace") == "livevote", f"{d['kind']} {d['metadata']['name']} not in namespace livevote")

deployment = of_kind("Deployment")[0]
pod = deployment["spec"]["template"]
spec = pod["spec"]
labels = pod["metadata"]["labels"]
container = spec["containers"][0]
env = {e["name"]: e for e in container.get("env", [])}
ports = {p["name"]: p["containerPort"] for p in container["ports"]}


def matches(selector):
    return all(labels.get(k) == v for k, v in selector.items())


check(matches(deployment["spec"]["selector"]["matchLabels"]), "the Deployment's selector does not match its pods")
zone = [c for c in spec.get("topologySpreadConstraints", []) if c["topologyKey"] == "topology.kubernetes.io/zone"]
check(zone and zone[0]["maxSkew"] == 1 and matches(zone[0]["labelSelector"]["matchLabels"]), "no zone spread (maxSkew 1) over the pods")

management_url = env.get("LiveVote__Management__Urls", {}).get("value", "")
check(management_url.endswith(f":{ports.get('management')}"), f"management port {ports.get('management')} is not LiveVote__Management__Urls ({management_url})")
for probe, path in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")]:
    get = container.get(probe, {}).get("httpGet", {})
    check(get.get("path") == path and get.get("port") in ("management", ports.get("management")), f"{probe} is not GET {path} on the management port")

drain = env.get("LiveVote__Shutdown__DrainDelay", {}).get("value")
check(drain == "00:00:05", f"LiveVote__Shutdown__DrainDelay is {drain!r}, not 00:00:05 (contract 1)")
grace = spec.get("terminationGracePeriodSeconds", 30)
# The drain, then the host's 30 s shutdown timeout (requests in flight, queued votes committed).
check(grace >= 5 + 30, f"terminationGracePeriodSeconds {grace} < drain 5 s + shutdown 30 s")
pre_stop_sleep = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
check(not pre_stop_sleep or grace >= 5 + 30 + int(re.sub(r"\D", "", " ".join(pre_stop_sleep)) or 0), "preStop sleep not covered by the grace period")

pod_security = spec.get("securityContext", {})
container_security = container.get("securityContext", {})
check(pod_security.get("runAsNonRoot") is True and pod_security.get("runAsUser", 0) != 0, "pods may run as root")
check(container_security.get("readOnlyRootFilesystem") is True, "root filesystem is writable")
check(container_security.get("allowPrivilegeEscalation") is False, "privilege escalation allowed")
check("ALL" in container_security.get("capabilities", {}).get("drop", []), "capabilities not dropped")
check(container.get("resources", {}).get("requests", {}).get("cpu") and container["resources"].get("limits", {}).get("memory"),
      "no CPU request or memory limit")

for name in ["LiveVote__AdminKey", "LiveVote__TokenSigningKey", "LiveVote__VoterKeySecret", "LiveVote__CaptchaHmacKey", "LiveVote__Audit__SigningKey",
             "LiveVote__Postgres__ConnectionString"]:
    check("secretKeyRef" in env.get(name, {}).get("valueFrom", {}), f"{name} is not taken from a Secret")
check(not of_kind("Secret"), "a Secret is rendered from the repository: secrets are created out of band")

for service in of_kind("Service"):
    check(matches(service["spec"]["selector"]), f"Service {service['metadata']['name']} does not select the pods")
pdb = of_kind("PodDisruptionBudget")[0]
check(matches(pdb["spec"]["selector"]["matchLabels"]), "the PodDisruptionBudget does not select the pods")

hpa = of_kind("HorizontalPodAutoscaler")[0]
check(hpa["apiVersion"] == "autoscaling/v2", "the HPA is not autoscaling/v2")
check(hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"], "the HPA does not scale the Deployment")
metrics = hpa["spec"]["metrics"]
check(any(m["type"] == "Resource" and m["resource"]["name"] == "cpu" for m in metrics), "the HPA does not scale on CPU")
check(any(m["type"] == "Pods" and m["pods"]["metric"]["name"] == "livevote_queue_fill_ratio" for m in metrics),
      "the HPA does not scale on livevote_queue_fill_ratio")

# The adapter's rules read metrics the server really exports (OpenTelemetry names, dots become underscores).
rules = yaml.safe_load(open(rules_file, encoding="utf-8"))["rules"]
served = {r["name"]["as"] for group in rules.values() for r in group}
for m in metrics:
    if m["type"] in ("Pods", "External"):
        name = m[m["type"].lower()]["metric"]["name"]
        check(name in served, f"the HPA's metric {name} has no prometheus-adapter rule")
source = "\n".join(p.read_text(encoding="utf-8") for p in telemetry.rglob("*.cs"))
queries = " ".join(r["seriesQuery"] + r["metricsQuery"] for group in rules.values() for r in group)
for metric in sorted(set(re.findall(r"livevote_[a-z_]+", queries))):
    instrument = re.sub(r"(_seconds)?(_bucket)?$", "", metric).replace("_", ".")
    check(f'"{instrument}"' in source, f"{metric}: no instrument \"{instrument}\" in src/LiveVote.Server/Telemetry")

if failures:
    print("deploy/kubernetes/check.sh: FAILED", file=sys.stderr)
    for f in failures:
        print("  - " + f, file=sys.stderr)
    sys.exit(1)
print(f"deploy/kubernetes: rendered {len(docs)} objects ({', '.join(kinds)}); every check holds")
PY
