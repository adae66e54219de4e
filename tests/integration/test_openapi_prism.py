"""Imported OpenAPI actions against Prism, a mock server that checks requests against the spec.

Prism (``@stoplight/prism-cli``, pinned in ``tests/conformance``) serves the MISP and Discord
fixture specs on loopback with ``--errors``: a request that breaks the spec gets 422 and every
violation is listed in the ``sl-violations`` response header. The actions run through the SDK
with a real httpx transport that keeps each response, so the tests can read that header.

Prism also checks the responses it makes up; for some Discord operations its own examples break
Discord's schemas and it answers 500 with only *response* violations. Those calls still show
that the request was right, which is what these tests are about.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from threatflow.apps.openapi import build_app, import_openapi
from threatflow.apps.sdk import App
from threatflow.apps.testing import make_context, run_action
from threatflow.errors import HttpError, ParamsInvalid

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / "tests" / "conformance" / "node_modules" / ".bin" / "prism"
FIXTURES = ROOT / ".." / "shared" / "fixtures" / "openapi"
STARTUP_SECONDS = 300  # Prism reads Discord's 1.2 MB spec slowly on a busy 2-core machine
SPECS = {"misp": "misp.yaml", "discord": "discord.json"}
REQUEST_VIOLATION = re.compile(r'\{"location":\["request"[^{}]*\}')
RESPONSE_VIOLATION = re.compile(r'\{"location":\["response"[^{}]*\}')


@dataclass
class Prism:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


class Recorder(httpx.AsyncBaseTransport):
    """A real HTTP transport that keeps every response (headers included)."""

    def __init__(self) -> None:
        self.responses: list[httpx.Response] = []
        self._real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._real.handle_async_request(request)
        self.responses.append(response)
        return response

    async def aclose(self) -> None:
        await self._real.aclose()

    def violations(self, pattern: re.Pattern[str] = REQUEST_VIOLATION) -> list[str]:
        found = []
        for response in self.responses:
            found += pattern.findall(response.headers.get("sl-violations", ""))
        return found


def require_prism() -> None:
    if PRISM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{PRISM} is missing: run `npm ci --prefix tests/conformance` first")
    pytest.skip("Prism is not installed: run `npm ci --prefix tests/conformance` (CI does)")


def spec_path(name: str) -> Path:
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"third-party OpenAPI fixtures not found at {path.resolve()}")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(spec: Path, log: Path) -> Prism:
    port = free_port()
    command = [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), "--errors", str(spec)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Prism(f"http://127.0.0.1:{port}", process, log)


def wait_until_up(prism: Prism, deadline: float) -> None:
    while time.monotonic() < deadline:
        if prism.process.poll() is not None:
            pytest.fail(f"Prism exited early:\n{prism.log.read_text()[-2000:]}")
        try:
            httpx.get(prism.url, timeout=2)  # any answer, even 404, means it is listening
            return
        except httpx.TransportError:
            time.sleep(0.5)
    pytest.fail(f"Prism did not start within {STARTUP_SECONDS} s:\n{prism.log.read_text()[-2000:]}")


def stop(prism: Prism) -> None:
    if prism.process.poll() is None:
        os.killpg(prism.process.pid, signal.SIGTERM)  # its own session: node and nothing else
        try:
            prism.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(prism.process.pid, signal.SIGKILL)
            prism.process.wait(timeout=10)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Prism]]:
    require_prism()
    paths = {key: spec_path(name) for key, name in SPECS.items()}
    logs = tmp_path_factory.mktemp("prism")
    started: dict[str, Prism] = {}
    try:
        for key, path in paths.items():  # both start at once; Discord takes the longest
            started[key] = start(path, logs / f"{key}.log")
        deadline = time.monotonic() + STARTUP_SECONDS
        for prism in started.values():
            wait_until_up(prism, deadline)
        yield started
    finally:
        for prism in started.values():
            stop(prism)


@pytest.fixture(scope="module")
def apps(servers: dict[str, Prism]) -> dict[str, App]:
    return {
        key: build_app(
            import_openapi(
                (FIXTURES / name).read_bytes(), name=key, validate_document=False
            ).app_spec
        )
        for key, name in SPECS.items()
    }


def misp_creds(servers: dict[str, Prism]) -> dict[str, str]:
    return {"base_url": servers["misp"].url, "api_key": "K3Y-0123456789"}


def discord_creds(servers: dict[str, Prism]) -> dict[str, str]:
    return {"base_url": servers["discord"].url, "api_key": "Bot abc.def.ghi"}


def send(
    app: App, action: str, params: dict[str, Any], creds: dict[str, str], *, checked: bool = True
) -> tuple[Any, Recorder]:
    """Run an action through the SDK; return its result (or HttpError) and the responses.

    ``checked=False`` skips the action's own validation, to show what Prism catches then.
    """
    recorder = Recorder()

    async def go() -> Any:
        # Prism takes seconds to make up and check Discord's large responses
        async with httpx.AsyncClient(transport=recorder, timeout=60) as client:
            ctx = make_context(client, creds)
            if checked:
                return await app.actions[action].invoke(ctx, params)
            return await app.actions[action].func(ctx, params)

    try:
        return asyncio.run(go()), recorder
    except HttpError as exc:
        return exc, recorder


# -- MISP -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "params", "key"),
    [
        ("get_server_version", {}, "version"),
        ("get_event_by_id", {"eventId": "42"}, "Event"),
        ("get_event_by_id", {"eventId": "c99506a6-1255-4b71-afa5-7b8ba48c3b1b"}, "Event"),
        ("add_sighting_by_value", {"body": {"values": ["203.0.113.7"]}}, "attribute_id"),
    ],
)
def test_misp_requests_conform(
    apps: dict[str, App], servers: dict[str, Prism], action: str, params: dict[str, Any], key: str
) -> None:
    result, recorder = send(apps["misp"], action, params, misp_creds(servers))
    assert recorder.violations() == []
    assert isinstance(result, dict), result
    assert result["status"] == 200 and key in result["body"]
    assert result["headers"]["content-type"].startswith("application/json")


def test_misp_prism_rejects_what_the_action_would_have_refused(
    apps: dict[str, App], servers: dict[str, Prism]
) -> None:
    params = {"eventId": "not-an-id"}
    with pytest.raises(ParamsInvalid):
        run_action(apps["misp"], "get_event_by_id", params, misp_creds(servers), Recorder())
    creds = misp_creds(servers)
    result, recorder = send(apps["misp"], "get_event_by_id", params, creds, checked=False)
    assert isinstance(result, HttpError) and result.status == 422
    # Prism spells path parameters in lower case in its report
    assert any('"path","eventid"' in violation.lower() for violation in recorder.violations())


def test_misp_api_key_goes_where_prism_looks_for_it(
    apps: dict[str, App], servers: dict[str, Prism]
) -> None:
    creds = misp_creds(servers)
    result, recorder = send(apps["misp"], "get_server_version", {}, creds)
    assert isinstance(result, dict) and result["status"] == 200
    assert recorder.responses[0].request.headers["authorization"] == creds["api_key"]
    # the same request without the key is refused, so the 200 above was earned
    without_key = httpx.get(f"{creds['base_url']}/servers/getVersion", timeout=30)
    assert without_key.status_code == 401


# -- Discord ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "params"),
    [
        ("get_gateway", {}),
        ("trigger_typing_indicator", {"channel_id": "112233445566778899"}),
        ("add_my_message_reaction", {"channel_id": "1", "message_id": "2", "emoji_name": "👍"}),
        ("delete_webhook_by_token", {"webhook_id": "1", "webhook_token": "tok-en"}),
    ],
)
def test_discord_requests_conform(
    apps: dict[str, App], servers: dict[str, Prism], action: str, params: dict[str, Any]
) -> None:
    result, recorder = send(apps["discord"], action, params, discord_creds(servers))
    assert recorder.violations() == []
    assert isinstance(result, dict), result
    assert result["status"] in (200, 204)


def test_discord_execute_webhook_request_conforms(
    apps: dict[str, App], servers: dict[str, Prism]
) -> None:
    params = {
        "webhook_id": "223344556677889900",
        "webhook_token": "abc-DEF_123",
        "wait": True,
        "body": {
            "content": "Incident #42: host isolated",
            "embeds": [{"title": "Wazuh alert 5712", "description": "sshd brute force"}],
        },
    }
    result, recorder = send(
        apps["discord"], "execute_webhook", params, {"base_url": servers["discord"].url}
    )
    assert recorder.violations() == []
    if isinstance(result, HttpError):  # Prism's own example broke Discord's response schema
        assert result.status == 500 and recorder.violations(RESPONSE_VIOLATION)
    else:
        assert result["status"] == 200


def test_discord_prism_flags_a_bad_snowflake(
    apps: dict[str, App], servers: dict[str, Prism]
) -> None:
    params = {"channel_id": "not-a-snowflake"}
    creds = discord_creds(servers)
    result, recorder = send(
        apps["discord"], "trigger_typing_indicator", params, creds, checked=False
    )
    assert isinstance(result, HttpError)
    assert any('"path","channel_id"' in violation for violation in recorder.violations())
