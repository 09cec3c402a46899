#!/usr/bin/env python3
"""Benchmark ``stancegraph serve``: requests per second and latency from concurrent clients.

    python scripts/bench_serve.py --clients 20 --requests 4000 --workers 2

Starts ``stancegraph serve --port 0`` on 127.0.0.1 over this checkout (the store in a temporary
folder unless ``--store``), waits until it answers, then sends ``--requests`` GET requests from
``--clients`` threads, each with its own keep-alive connection, cycling through four kinds of
request: a SELECT at /sparql, an ASK at /sparql, a saved query through the API, and a Linked
Data page in Turtle. It prints the throughput, the latency percentiles per kind, the statuses
and the server's resident memory (its workers' included) before and after. The load test of
tests/test_serve.py asserts what must hold (all 200, none over the time limit, memory flat);
this script says how fast.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
HEZBOLLAH = "https://w3id.org/stancegraph/id/armed-group/hezbollah"
REQUESTS = [
    ("select", "/sparql", {"query": f"SELECT ?p ?o WHERE {{ <{HEZBOLLAH}> ?p ?o }}"}),
    ("ask", "/sparql", {"query": "ASK { ?s ?p ?o }"}),
    ("api", "/api/queries/stances-on-target", {"target": "state:russia"}),
    ("page", "/id/armed-group/hezbollah", {"format": "turtle"}),
]


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and its children, KiB."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = status.read_text().splitlines()
            fields = dict(line.split(":", 1) for line in lines if ":" in line)
        except OSError:
            continue
        if pid in (int(fields["Pid"]), int(fields["PPid"])) and "VmRSS" in fields:
            total += int(fields["VmRSS"].split()[0])
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=2, help="the server's query workers")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--store", help="the embedded store's folder (default: a temporary one)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        store = args.store or str(Path(tmp) / "store")
        command = [
            sys.executable, "-m", "stancegraph.cli", "--home", str(ROOT), "serve", "--port", "0",
            "--store", store, "--workers", str(args.workers),
            "--time-limit", str(args.time_limit),
        ]  # fmt: skip
        server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=os.environ)
        try:
            assert server.stderr is not None
            line = server.stderr.readline()
            match = re.match(r"serving (\S+)", line)
            if not match:
                print(f"the server did not start: {line}", file=sys.stderr)
                return 2
            url = match.group(1)
            httpx.get(url, timeout=60).raise_for_status()
            before = rss_kib(server.pid)
            times: dict[str, list[float]] = defaultdict(list)
            statuses: Counter[int] = Counter()
            lock = threading.Lock()
            per_client = args.requests // args.clients

            def client(offset: int) -> None:
                with httpx.Client(base_url=url, timeout=60) as http:
                    for i in range(per_client):
                        kind, path, params = REQUESTS[(offset + i) % len(REQUESTS)]
                        started = time.perf_counter()
                        status = http.get(path, params=params).status_code
                        took = time.perf_counter() - started
                        with lock:
                            times[kind].append(took)
                            statuses[status] += 1

            started = time.perf_counter()
            threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
            after = rss_kib(server.pid)
        finally:
            server.terminate()
            server.wait(30)

    done = sum(statuses.values())
    print(f"{done} requests from {args.clients} clients, {args.workers} workers: {wall:.1f} s, "
          f"{done / wall:.0f} requests/s; statuses {dict(statuses)}")  # fmt: skip
    for kind, values in times.items():
        values.sort()
        p50 = statistics.median(values)
        p99 = values[int(len(values) * 0.99) - 1]
        print(f"  {kind:7} median {p50 * 1000:6.1f} ms   p99 {p99 * 1000:6.1f} ms   "
              f"max {values[-1] * 1000:6.1f} ms")  # fmt: skip
    print(f"server memory (with its workers): {before / 1024:.0f} MiB before, "
          f"{after / 1024:.0f} MiB after")  # fmt: skip
    return 0 if set(statuses) == {200} else 1


if __name__ == "__main__":
    sys.exit(main())
