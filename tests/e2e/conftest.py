"""Fixtures of the browser tests: a real Threatflow server on loopback and Debian's Chromium.

The server runs as ``threatflow serve`` in a subprocess with its own data folder, so these
tests exercise the same build the user gets. Chromium comes from Debian (``/usr/bin/chromium``);
Playwright never downloads a browser here.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import sync_playwright
from tests.e2e.browser import ADMIN_PASSWORD, REPO, Server

WEB_INDEX = REPO / "src" / "threatflow" / "web" / "index.html"
CHROMIUM = Path(os.environ.get("THREATFLOW_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT = 60.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip the browser tests with a clear reason when their prerequisites are missing."""
    reason = None
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    elif not WEB_INDEX.exists():
        reason = "the web UI is not built (cd ui && npm ci && npm run build)"
    if reason is None:
        return
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve_command() -> list[str]:
    script = Path(sys.executable).parent / "threatflow"
    if script.exists():
        return [str(script), "serve"]
    return [sys.executable, "-m", "threatflow", "serve"]


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"server exited with {process.returncode}:\n{log.read_text()[-4000:]}"
            )
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"server not ready after {START_TIMEOUT}s:\n{log.read_text()[-4000:]}")


def _login(url: str) -> str:
    body = {"username": "admin", "password": ADMIN_PASSWORD}
    response = httpx.post(f"{url}/api/v1/auth/login", json=body, timeout=10)
    response.raise_for_status()
    token: str = response.json()["token"]
    return token


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``threatflow serve`` on a free loopback port with a fresh data folder."""
    data = tmp_path_factory.mktemp("threatflow-data")
    port = _free_port()
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "THREATFLOW_DATA_DIR": str(data),
        "THREATFLOW_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "THREATFLOW_EXAMPLES": "false",
        "THREATFLOW_LOG_FORMAT": "json",
    }
    env.pop("THREATFLOW_DATABASE_URL", None)
    log = data / "server.log"
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            _serve_command(), env=env, stdout=out, stderr=subprocess.STDOUT, cwd=data
        )
        try:
            _wait_ready(url, process, log)
            yield Server(url=url, token=_login(url), log=log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item, so fixtures can tell a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(
    browser: Any, server: Server, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Any]:
    """A fresh browser tab at 1280x800 (the smallest size the UI supports)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=server.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield tab
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            shot = tmp_path / "failure.png"
            tab.screenshot(path=str(shot))
            print(f"screenshot of the failure: {shot}")
    finally:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
