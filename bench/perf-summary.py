#!/usr/bin/env python3
"""Summarises a `perf record -g -a` file per process: share of all samples, system calls, the nearest .NET frame of
each sample (self time by method) and inclusive time by method. Usage: perf-summary.py perf.data NAME PID [NAME PID...]

The server runs as a child of `dotnet`, so a PID may be the launcher: its busiest descendant is profiled instead."""
import collections
import re
import subprocess
import sys

TIER = re.compile(r"\[(OptimizedTier1|OptimizedTier1OSR|Optimized|QuickJitted|Tier0|Tier1|PreJIT)\]")
MANAGED = ("LiveVote", "Microsoft.", "System.", "OpenTelemetry", "Npgsql", "HdrHistogram")


def samples(data, pid):
    out = subprocess.run(["perf", "script", "-i", data, "--pid", str(pid), "-F", "ip,sym"],
                         capture_output=True, text=True, check=False).stdout
    for block in out.split("\n\n"):
        frames = [line.strip().split(" ", 1)[-1] for line in block.strip().splitlines() if line.strip()]
        if frames:
            yield [TIER.sub("", f) for f in frames]


def main():
    data = sys.argv[1]
    counts = collections.Counter(
        subprocess.run(["perf", "script", "-i", data, "-F", "pid"], capture_output=True, text=True).stdout.split())
    total = sum(counts.values()) or 1
    for name, pid in zip(sys.argv[2::2], sys.argv[3::2]):
        pid = max([p for p in counts if p == pid or is_child(p, pid)] or [pid], key=lambda p: counts[p])
        syscalls, self_time, inclusive, n = collections.Counter(), collections.Counter(), collections.Counter(), 0
        for frames in samples(data, pid):
            n += 1
            call = next((f for f in frames if f.startswith("__x64_sys_")), None)
            if call:
                syscalls[call] += 1
            nearest = next((f for f in frames if f.startswith(MANAGED) or " [" in f and any(m in f for m in MANAGED)), None)
            if nearest:
                self_time[nearest[:140]] += 1
            for f in set(frames):
                if any(m in f for m in MANAGED):
                    inclusive[f[:140]] += 1
        print(f"\n## {name} (pid {pid}): {n} samples, {100 * n / total:.1f}% of all samples on the machine")
        for title, counter, top in (("system calls", syscalls, 10), ("self (nearest .NET frame)", self_time, 25),
                                    ("inclusive", inclusive, 40)):
            print(f"\n### {title}")
            for frame, count in counter.most_common(top):
                print(f"{100 * count / max(n, 1):5.1f}%  {frame}")


def is_child(candidate, parent):
    try:
        with open(f"/proc/{candidate}/stat") as stat:
            return stat.read().split(") ")[1].split()[1] == parent
    except OSError:
        return False


if __name__ == "__main__":
    main()
