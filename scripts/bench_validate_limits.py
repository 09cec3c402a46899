#!/usr/bin/env python3
"""Time ``stancegraph validate`` on a contribution at the size limit (SECURITY.md, issue #22).

    python scripts/bench_validate_limits.py                 # 50 MiB, 2,000 prefixes, 20,000 claims
    python scripts/bench_validate_limits.py --size 5000000 --prefixes 500 --claims 2000 --json

The contribution is one Turtle file built to be as hard as a file of its size can be on what
``validate`` does beyond SHACL:

* ``--prefixes`` prefix declarations, all naming the claim namespace, so that every claim IRI can
  be spelled that many ways (before issue #22, locating one finding ran one regular expression
  per spelling over the whole text);
* ``--claims`` claims ``id/claim/rd-syria-iran/<n>``, each typed ``sg:Claim`` and nothing else,
  so that each gives :data:`FINDINGS_PER_CLAIM` findings (the properties a claim must have), each
  located by file and line;
* padding up to ``--size`` bytes: blank nodes with one comment each (``[] rdfs:comment "..." .``,
  about 100 bytes a triple), which no shape targets, so that the parser, the SHACL engine and the
  checks see a file at the limit.

It runs ``stancegraph validate --format json FILE`` against the project (``--home``, default this
checkout) in a child process and prints the size, the triples, the findings, how many of them were
given a line, the exit code (1: the claims do not conform), the wall-clock time and the peak
resident memory of the child (and of the JVM, if Jena ran).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: Findings of a claim that is typed and nothing else: 5 violations and 1 warning.
FINDINGS_PER_CLAIM = 6
CLAIM_NS = "https://w3id.org/stancegraph/id/claim/rd-syria-iran/"
#: Claim numbers far above the source's own, so that none is taken (iri-reused).
FIRST_CLAIM = 100_001
PADDING = '[] <http://www.w3.org/2000/01/rdf-schema#comment> "{}" .\n'


def write_contribution(path: Path, size: int, prefixes: int, claims: int) -> int:
    """Write the contribution to ``path``: its prefixes and claims, then padding up to ``size``
    bytes (not over it: that file is at the limit, not refused); returns its triples."""
    triples = 0
    with path.open("w", encoding="utf-8") as out:
        for i in range(prefixes):
            out.write(f"@prefix p{i}: <{CLAIM_NS}> .\n")
        out.write("@prefix sg: <https://w3id.org/stancegraph/ontology#> .\n")
        for n in range(FIRST_CLAIM, FIRST_CLAIM + claims):
            out.write(f"p{n % prefixes}:{n} a sg:Claim .\n")
            triples += 1
        written = out.tell()
        n = 0
        while True:
            line = PADDING.format(f"padding line {n} " + "lorem ipsum dolor sit amet " * 2)
            if written + len(line) > size:
                break
            out.write(line)
            written += len(line)
            triples += 1
            n += 1
    return triples


def run_validate(home: Path, path: Path, engine: str) -> tuple[subprocess.CompletedProcess, float]:
    command = [sys.executable, "-m", "stancegraph.cli", "--home", str(home), "validate"]
    command += ["--engine", engine, "--format", "json", str(path)]
    env = {k: v for k, v in os.environ.items() if k != "STANCEGRAPH_HOME"}
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    return done, time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=50 * 1024 * 1024, help="bytes (50 MiB)")
    parser.add_argument("--prefixes", type=int, default=2000)
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--engine", default="auto", choices=["auto", "pyshacl", "jena"])
    parser.add_argument("--home", type=Path, default=ROOT, help="the project (this checkout)")
    parser.add_argument("--workdir", type=Path, help="where to write it (default: a temp dir)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.workdir or Path(tmp)
        path = folder / "limits.ttl"
        triples = write_contribution(path, args.size, args.prefixes, args.claims)
        done, seconds = run_validate(args.home, path, args.engine)
        size = path.stat().st_size
    if done.returncode not in (0, 1):
        raise SystemExit(f"validate failed (exit {done.returncode}): {done.stderr.strip()}")
    report = json.loads(done.stdout)
    result = {
        "bytes": size,
        "prefixes": args.prefixes,
        "claims": args.claims,
        "triples": triples,
        "findings": len(report["findings"]),
        "located": sum(1 for f in report["findings"] if f["line"]),
        "engine": report["engine"],
        "exit_code": done.returncode,
        "seconds": round(seconds, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{size:,} bytes, {args.prefixes:,} prefixes, {triples:,} triples: "
            f"{result['findings']:,} findings ({result['located']:,} with a line), exit "
            f"{done.returncode}, {seconds:.1f} s, peak {result['peak_rss_mib']:,} MiB "
            f"({report['engine']})"
        )
    return result


if __name__ == "__main__":
    main()
