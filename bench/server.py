"""A Threatflow server process for benchmarks, with stand-ins for TheHive and Discord."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.standins import LoadStandIns

TOKEN = "bench-token-0123456789abcdef"
FINAL = ("succeeded", "failed", "cancelled")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait_drained(api: httpx.Client, timeout: float = 600) -> float:
    """Wait until no execution is queued, running or waiting; returns the moment it was so
    (``time.perf_counter()``), to within one poll."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        active = sum(len(api.get("/api/v1/executions", params={"status": s, "limit": 1})
                         .json()["items"]) for s in ("queued", "running", "waiting"))
        if not active:
            return time.perf_counter()
        time.sleep(0.25)  # each poll costs the server a little CPU
    raise RuntimeError("executions still active after the timeout")


def count(api: httpx.Client, status: str | None = None) -> int:
    found, cursor = 0, None
    while True:
        params: dict[str, Any] = {"limit": 500}
        if status:
            params["status"] = status
        if cursor:
            params["cursor"] = cursor
        page = api.get("/api/v1/executions", params=params).json()
        found += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return found


class BenchServer:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.standins = LoadStandIns(free_port())
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def __enter__(self) -> BenchServer:
        self.standins.__enter__()
        env = {
            **os.environ,
            "THREATFLOW_DATA_DIR": str(self.data_dir),
            "THREATFLOW_ADMIN_TOKEN": TOKEN,
            "THREATFLOW_ADMIN_PASSWORD": "bench-password",
            "THREATFLOW_LOG_LEVEL": "WARNING",
            "THREATFLOW_CRED_THEHIVE_URL": self.standins.url,
            "THREATFLOW_CRED_THEHIVE_API_KEY": self.standins.api_key,
            "THREATFLOW_CRED_DISCORD_WEBHOOK_URL": self.standins.webhook_url,
        }
        with (self.data_dir / "server.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "threatflow", "serve", "--port", str(self.port)],
                env=env, stdout=log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                if httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200:
                    time.sleep(1.0)  # let start-up garbage settle before reading RSS
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def __exit__(self, *exc: Any) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)
        self.standins.__exit__()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30,
                            headers={"Authorization": f"Bearer {TOKEN}"})

    def create_workflow(self, definition: dict[str, Any]) -> str:
        with self.client() as api:
            view = api.post("/api/v1/workflows", json={"definition": definition}).json()
        return f"{self.url}/api/v1/hooks/{view['hooks'][0]['hook_id']}"

    def import_workflow(self, text: str) -> str:
        with self.client() as api:
            response = api.post("/api/v1/workflows/import", content=text,
                                headers={"Content-Type": "text/yaml"})
            view = response.json()
        return f"{self.url}/api/v1/hooks/{view['hooks'][0]['hook_id']}"

    def count_executions(self) -> int:
        with self.client() as api:
            return count(api)

    def drain(self) -> None:
        with self.client() as api:
            wait_drained(api)
