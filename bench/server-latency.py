#!/usr/bin/env python3
"""Server-side latency of one run, from two scrapes of the node's /metrics (before and after the run).

    bench/server-latency.py BEFORE AFTER METRIC [LABEL=VALUE ...]

Sums the Prometheus histogram METRIC's buckets over every series whose labels hold every LABEL=VALUE (VALUE may be a
substring of the label's value), takes AFTER minus BEFORE, and prints JSON: the count, the upper bound (ms) of the
bucket holding the p50, p99 and p99.9 (a bucket bound, not an interpolation: the true value is at most that), and the
share of requests above 50 ms. The load generator measures from the intended send time; this is the server's own view,
from the start of the request's processing to its end, so the two together tell a stall in the server from one outside
it (the client, the kernel, the wait before Kestrel reads the request).
"""
import json
import re
import sys

LINE = re.compile(r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\{(?P<labels>.*)\}\s+(?P<value>\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def buckets(path, metric, wanted):
    sums = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = LINE.match(line)
            if not m or m.group("name") != metric + "_bucket":
                continue
            labels = dict(LABEL.findall(m.group("labels")))
            if not all(v in labels.get(k, "") for k, v in wanted.items()):
                continue
            le = float("inf") if labels["le"] == "+Inf" else float(labels["le"])
            sums[le] = sums.get(le, 0.0) + float(m.group("value"))
    return sums


def main():
    before_path, after_path, metric = sys.argv[1:4]
    wanted = dict(arg.split("=", 1) for arg in sys.argv[4:])
    before, after = buckets(before_path, metric, wanted), buckets(after_path, metric, wanted)
    cumulative = sorted((le, after[le] - before.get(le, 0.0)) for le in after)
    total = cumulative[-1][1] if cumulative else 0.0

    def bound(q):
        for le, count in cumulative:
            if total > 0 and count >= q * total:
                return None if le == float("inf") else round(le * 1000, 3)
        return None

    within50 = next((count for le, count in cumulative if abs(le - 0.05) < 1e-9), None)
    print(json.dumps({
        "metric": metric, "labels": wanted, "count": int(total),
        "p50BoundMs": bound(0.5), "p99BoundMs": bound(0.99), "p999BoundMs": bound(0.999),
        "over50MsShare": None if within50 is None or total == 0 else round((total - within50) / total, 6),
    }))


if __name__ == "__main__":
    main()
