"""Threatflow benchmarks: ``python -m bench`` (or ``make bench``) prints one table.

Measured on loopback with SQLite, every accepted alert committed before its 202:
- webhook intake rate and p50/p99 latency at concurrency 1, 16 and 64 (wrk drives the load);
- completed executions per second of the failed-SSH scenario against local stand-ins;
- engine overhead per step with no-op steps (in-process, SQL store and memory store);
- engine overhead of one HTTP action over the bare request to the same stand-in;
- the executions list with 100,000 executions stored;
- resident memory of the server idle and at its peak.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.http_action import http_action_overhead
from bench.listing import listing
from bench.server import BenchServer, count, free_port, rss_mb, wait_drained
from bench.standins import LoadStandIns
from bench.steps import step_overhead

ROOT = Path(__file__).resolve().parents[1]
ALERT = {
    "severity": 2, "pretext": "WAZUH Alert", "title": "sshd: authentication failed.",
    "rule_id": "5716", "id": "1764756901.1",
    "all_fields": {
        "id": "1764756901.1", "timestamp": "2026-12-03T10:15:01.120+0000",
        "rule": {"id": "5716", "level": 5, "description": "sshd: authentication failed."},
        "agent": {"id": "001", "name": "web-01"},
        "data": {"srcip": "203.0.113.45", "srcport": "52844", "dstuser": "root"},
        "full_log": "Failed password for root from 203.0.113.45 port 52844 ssh2",
    },
}
NOOP = {
    "name": "Intake only",
    "triggers": [{"id": "hook", "type": "webhook"}],
    "steps": [{"id": "noop", "app": "tools", "action": "repeat_back", "params": {"value": 1}}],
}


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False,
                   capture_output=True)
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is needed for the intake benchmark: apt-get install wrk")
    return found


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(wrk: str, url: str, body: dict[str, Any], connections: int,
            seconds: int) -> dict[str, float]:
    """POST ``body`` to ``url`` for ``seconds``; returns rate, p50, p99 and non-2xx count."""
    # every request carries a new alert id, as real alerts do (TheHive would see duplicates)
    text = json.dumps(body).replace(str(body.get("id", "")), "ALERT_ID")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write('wrk.method = "POST"\n'
                     'wrk.headers["Content-Type"] = "application/json"\n'
                     f"local template = {json.dumps(text)}\n"
                     "local counter = 0\n"
                     "function setup(thread) thread:set('prefix', tostring(math.random(1e9))) end\n"
                     "request = function()\n"
                     "  counter = counter + 1\n"
                     "  local id = prefix .. '.' .. counter\n"
                     "  return wrk.format(nil, nil, nil, (template:gsub('ALERT_ID', id)))\n"
                     "end\n")
    threads = 1 if connections < 2 else 2
    result = subprocess.run(
        [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s",
         script.name, url], capture_output=True, text=True, check=True)
    os.unlink(script.name)
    out = result.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rate": rate,
        "p50": _ms(*p50.groups()) if p50 else float("nan"),
        "p99": _ms(*p99.groups()) if p99 else float("nan"),
        "errors": float(errors.group(1)) if errors else 0.0,
    }


def intake(server: BenchServer, wrk: str, seconds: int) -> list[list[str]]:
    hook = server.create_workflow(NOOP)
    rows = []
    for connections in (1, 16, 64):
        stats = run_wrk(wrk, hook, ALERT, connections, seconds)
        rows.append([f"webhook intake, concurrency {connections}", f"{stats['rate']:.0f}/s",
                     f"p50 {stats['p50']:.2f} ms, p99 {stats['p99']:.2f} ms",
                     f"{stats['errors']:.0f} non-2xx"])
        server.drain()
    return rows


def scenario(server: BenchServer, wrk: str, seconds: int) -> list[list[str]]:
    workflow = (ROOT / "examples" / "failed-ssh-login.yaml").read_text()
    hook = server.import_workflow(workflow)
    before = server.count_executions()
    started = time.perf_counter()
    stats = run_wrk(wrk, hook, ALERT, 64, seconds)
    with server.client() as api:
        elapsed = wait_drained(api) - started  # counting 100k rows afterwards takes seconds
        done, failed = count(api) - before, count(api, "failed")
    return [["scenario executions completed, concurrency 64", f"{done / elapsed:.0f}/s",
             f"{done} executions in {elapsed:.1f} s ({failed} failed)",
             f"intake {stats['rate']:.0f}/s"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="length of each load run")
    parser.add_argument("--skip-server", action="store_true", help="only the in-process runs")
    args = parser.parse_args()
    rows: list[list[str]] = []
    rows += asyncio.run(step_overhead())
    with LoadStandIns(free_port()) as standins:
        rows += asyncio.run(http_action_overhead(standins.webhook_url))
    rows += listing()
    if not args.skip_server:
        wrk = ensure_wrk()
        with tempfile.TemporaryDirectory() as tmp, BenchServer(Path(tmp)) as server:
            rows.append(["server RSS idle", f"{rss_mb(server.pid):.0f} MB", "", ""])
            rows += intake(server, wrk, args.seconds)
            rows += scenario(server, wrk, args.seconds)
            rows.append(["server RSS peak (VmHWM)", f"{rss_mb(server.pid, 'VmHWM'):.0f} MB",
                         "", ""])
    width = [max(len(r[i]) for r in rows) for i in range(4)]
    print(" | ".join(h.ljust(w) for h, w in zip(["measure", "value", "detail", "note"], width,
                                                  strict=True)))
    print("-+-".join("-" * w for w in width))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, width, strict=True)))


if __name__ == "__main__":
    main()
