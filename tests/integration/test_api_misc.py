"""Credentials, live events, health and metrics, the scheduler, resume at start-up, workflow
timeouts, and bad input on the endpoints the other API suites leave out."""

from __future__ import annotations

import asyncio
import json
import logging
import stat
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from tests.support.api import create, steps_by_id, wait_execution
from tests.support.server import TOKEN, Server
from tests.support.stack import (
    BY_DATABASE,
    make_settings,
    registry_with_testkit,
    running_api,
)

from threatflow import scheduler as scheduler_module
from threatflow.config import Settings
from threatflow.core import Core
from threatflow.engine.planner import EXECUTION_FINAL
from threatflow.executions.models import ExecutionRow, StepRunRow
from threatflow.ids import new_id, utcnow
from threatflow.scheduler import next_times
from threatflow.standins import DiscordStandIn, TheHiveStandIn

pytestmark = pytest.mark.integration

MASK = "********"


@pytest.fixture(scope="module", params=BY_DATABASE)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One started app per database for the whole module (credentials tests)."""
    with running_api(make_settings(tmp_path_factory.mktemp("misc"), request.param)) as client:
        yield client


def check_error(response: httpx.Response, status: int | None = None) -> dict[str, Any]:
    """A clear 4xx: the expected status (any 4xx if None), with ``error`` and ``message``."""
    if status is None:
        assert 400 <= response.status_code < 500, response.text
    else:
        assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] and body["message"], body
    return body


def hive_credential(api: Any, name: str, hive: TheHiveStandIn, **fields: str) -> dict[str, Any]:
    response = api.post("/api/v1/credentials", json={"name": name, "app": "thehive", "fields": {
        "url": hive.url, "api_key": hive.api_key, **fields}})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


# credentials


def test_credentials_are_masked_and_kept_when_updated(api: Any,
                                                      thehive_standin: TheHiveStandIn) -> None:
    hive = thehive_standin
    created = hive_credential(api, "hive-crud", hive, organisation="demo")
    assert created["fields"] == {"url": hive.url, "api_key": MASK, "organisation": "demo"}
    listed = {c["name"]: c for c in api.get("/api/v1/credentials").json()["items"]}
    assert listed["hive-crud"]["fields"]["api_key"] == MASK
    assert api.get("/api/v1/credentials/hive-crud").json()["fields"]["api_key"] == MASK
    assert hive.api_key not in api.get("/api/v1/credentials").text

    moved = api.put("/api/v1/credentials/hive-crud",
                    json={"fields": {"url": hive.url + "/", "api_key": MASK}})
    assert moved.status_code == 200 and moved.json()["fields"]["url"] == hive.url + "/"
    assert api.core.credentials.resolve("hive-crud")["api_key"] == hive.api_key
    assert api.post("/api/v1/credentials/hive-crud/test").json()["ok"] is True

    api.put("/api/v1/credentials/hive-crud", json={"fields": {"api_key": "rotated"}})
    assert api.core.credentials.resolve("hive-crud")["api_key"] == "rotated"
    assert api.delete("/api/v1/credentials/hive-crud").status_code == 204
    check_error(api.get("/api/v1/credentials/hive-crud"), 404)
    check_error(api.delete("/api/v1/credentials/hive-crud"), 404)
    check_error(api.put("/api/v1/credentials/hive-crud", json={"fields": {}}), 404)


def test_credential_bad_input(api: Any) -> None:
    fields = {"url": "http://127.0.0.1:9", "api_key": "k"}
    assert api.post("/api/v1/credentials", json={
        "name": "taken", "app": "thehive", "fields": fields}).status_code == 201
    cases: list[tuple[str, str, Any, int, str]] = [
        ("post", "", {"name": "taken", "app": "thehive", "fields": fields}, 409, "exists"),
        ("post", "", {"name": "x1", "app": "no_such_app", "fields": {}}, 400, "app"),
        ("post", "", {"name": "x2", "app": "thehive", "fields": {"colour": "red"}}, 400,
         "fields.colour"),
        ("post", "", {"name": "Has Spaces", "app": "thehive", "fields": {}}, 400, "name"),
        ("post", "", {"name": "x3", "app": "thehive", "fields": {"url": {"a": 1}}}, 400,
         "fields.url"),
        ("post", "", {"name": "x4", "fields": {}}, 422, "app"),
        ("post", "", "not an object", 422, ""),
        ("put", "/taken", {"fields": {"url": ["a"]}}, 400, "fields.url"),
        ("put", "/taken", {"nothing": 1}, 422, "fields"),
        ("post", "/unknown/test", None, 404, "unknown"),
    ]
    for method, path, payload, status, mentions in cases:
        response = getattr(api, method)(f"/api/v1/credentials{path}",
                                        **({"json": payload} if payload is not None else {}))
        body = check_error(response, status)
        assert mentions in body["message"], (method, path, body)
    names = [c["name"] for c in api.get("/api/v1/credentials").json()["items"]]
    assert "x1" not in names and "x2" not in names and "taken" in names


def test_connection_test_against_the_stand_ins(api: Any, thehive_standin: TheHiveStandIn,
                                               discord_standin: DiscordStandIn) -> None:
    hive_credential(api, "hive-ok", thehive_standin)
    api.post("/api/v1/credentials", json={"name": "hive-bad", "app": "thehive", "fields": {
        "url": thehive_standin.url, "api_key": "wrong"}})
    api.post("/api/v1/credentials", json={"name": "chat", "app": "discord", "fields": {
        "webhook_url": discord_standin.webhook_url}})
    api.post("/api/v1/credentials", json={"name": "hook-secret", "app": "generic",
                                          "fields": {"secret": "s"}})

    good = api.post("/api/v1/credentials/hive-ok/test").json()
    assert good == {"ok": True, "message": "connection works"}
    bad = api.post("/api/v1/credentials/hive-bad/test").json()
    assert bad["ok"] is False and "401" in bad["message"]
    assert api.post("/api/v1/credentials/chat/test").json()["ok"] is True
    assert [r["method"] for r in discord_standin.requests] == ["GET"]  # nothing was posted
    generic = api.post("/api/v1/credentials/hook-secret/test")
    assert generic.status_code == 200 and generic.json()["ok"] is False


def test_credentials_are_encrypted_at_rest(api: Any) -> None:
    secret = "plain-text-must-not-be-stored-" + new_id()
    api.post("/api/v1/credentials", json={"name": "sealed", "app": "discord", "fields": {
        "webhook_url": f"https://discord.com/api/webhooks/1/{secret}"}})
    with api.core.db.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT app, data FROM credentials WHERE name = 'sealed'")).one()
    assert stored.app == "discord"
    assert secret not in stored.data and "discord.com" not in stored.data

    key_file = api.core.settings.data_dir / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    opened = json.loads(Fernet(key_file.read_bytes().strip()).decrypt(stored.data.encode()))
    assert opened == {"webhook_url": f"https://discord.com/api/webhooks/1/{secret}"}


def test_environment_defines_and_overrides_credentials(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        thehive_standin: TheHiveStandIn, discord_standin: DiscordStandIn) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("THREATFLOW_CRED_THEHIVE_URL", thehive_standin.url)
    monkeypatch.setenv("THREATFLOW_CRED_THEHIVE_API_KEY", thehive_standin.api_key)
    monkeypatch.setenv("THREATFLOW_CRED_DISCORD_WEBHOOK_URL", discord_standin.webhook_url)
    with running_api(make_settings(tmp_path, "sqlite")) as client:
        stored = client.post("/api/v1/credentials", json={
            "name": "discord", "app": "discord",
            "fields": {"webhook_url": "http://127.0.0.1:9/api/webhooks/1/stale"}})
        assert stored.status_code == 201
        wf = create(client, {"name": "Env", "triggers": [{"type": "manual"}], "steps": [
            {"id": "hive", "app": "thehive", "action": "create_alert", "credential": "thehive",
             "params": {"title": "t", "description": "d", "type": "test", "source": "env",
                        "sourceRef": "env-1"}},
            {"id": "chat", "app": "discord", "action": "send_message", "credential": "discord",
             "needs": ["hive"], "params": {"content": "{{ steps.hive.result._id }}"}},
        ]})
        started = client.post(f"/api/v1/workflows/{wf['id']}/run", json={"input": {}})
        view = wait_execution(client, started.json()["execution_id"])
        # storing a credential the environment already defined takes effect at once
        client.post("/api/v1/credentials", json={"name": "thehive", "app": "thehive", "fields": {
            "url": "http://127.0.0.1:9", "api_key": "k", "organisation": "demo"}})
        resolved = client.core.credentials.resolve("thehive")
    assert resolved == {"url": thehive_standin.url, "api_key": thehive_standin.api_key,
                        "organisation": "demo"}
    assert view["status"] == "succeeded", view
    (alert,) = thehive_standin.service.alerts.values()
    assert [m["content"] for m in discord_standin.service.messages] == [alert["_id"]]
    # our own lines; httpx's request log is kept at WARNING by threatflow.logs.setup
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("threatflow")]
    assert any("/api/v1/alert" in line for line in ours), "the TheHive call was not logged"
    for secret in (thehive_standin.api_key, discord_standin.service.token):
        assert not [line for line in ours if secret in line]


# the engine around a Core, without HTTP


@pytest.fixture(scope="module", params=BY_DATABASE)
def engine_settings(request: pytest.FixtureRequest,
                    tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = make_settings(tmp_path_factory.mktemp("engine"), request.param)
    core = Core(settings)
    core.migrate()
    core.db.dispose()
    return settings


async def until_final(core: Core, execution_id: str, limit: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + limit
    while True:
        view = await asyncio.to_thread(core.executions.get, execution_id)
        if view["status"] in EXECUTION_FINAL:
            return view
        assert time.monotonic() < deadline, f"execution still {view['status']}"
        await asyncio.sleep(0.02)


def echo_workflow(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "triggers": [{"type": "manual"}], **extra, "steps": [
        {"id": "a", "app": "testkit", "action": "echo", "params": {"value": "{{ trigger }}"}},
        {"id": "b", "app": "testkit", "action": "echo", "needs": ["a"],
         "params": {"value": "{{ steps.a.result }}"}},
    ]}


def test_next_times_of_a_cron_expression() -> None:
    start = utcnow().replace(hour=10, minute=0, second=30, microsecond=0)
    times = next_times("* * * * *", 3, start=start)
    assert times == [start.replace(second=0) + timedelta(minutes=n) for n in (1, 2, 3)]
    berlin = next_times("0 9 * * *", 1, "Europe/Berlin", start=start.replace(month=1, day=15))
    assert (berlin[0].hour, berlin[0].minute) == (8, 0)  # 09:00 CET is 08:00 UTC


def test_a_due_schedule_starts_an_execution(engine_settings: Settings,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario() -> None:
        core = Core(engine_settings, registry=registry_with_testkit())
        wf = core.workflows.create(echo_workflow("Every minute", triggers=[
            {"id": "tick", "type": "schedule", "cron": "* * * * *", "input": {"n": 7}}]))
        await core.start(resume=False, schedule=False)
        try:
            real_now = utcnow()
            assert await core.scheduler.run_once() == 0  # the first fire time is ahead
            monkeypatch.setattr(scheduler_module, "utcnow",
                                lambda: real_now + timedelta(seconds=61))
            assert await core.scheduler.run_once() == 1
            assert await core.scheduler.run_once() == 0  # not twice in the same minute
            page = core.executions.search(workflow_id=wf["id"])
            (item,) = page["items"]
            view = await until_final(core, item["id"])
        finally:
            core.workflows.set_enabled(wf["id"], False)
            await core.stop()
        assert (view["source"], view["trigger_id"], view["status"]) == (
            "schedule", "tick", "succeeded")
        assert view["payload"] == {"n": 7} and steps_by_id(view)["b"]["output"] == {"n": 7}

    asyncio.run(scenario())


def test_unfinished_executions_resume_at_start_up(engine_settings: Settings) -> None:
    core = Core(engine_settings, registry=registry_with_testkit())
    wf = core.workflows.create(echo_workflow("Left behind"))
    now = utcnow()
    queued, running, overdue = new_id(), new_id(), new_id()
    with core.db.session() as session:
        base = {"workflow_id": wf["id"], "revision": 1, "source": "api", "created_at": now}
        session.add(ExecutionRow(id=queued, status="queued", payload={"k": 1}, **base))
        session.add(ExecutionRow(id=running, status="running", payload={"k": 2},
                                 started_at=now, deadline_at=now + timedelta(hours=1), **base))
        session.add(ExecutionRow(id=overdue, status="running", payload={"k": 3},
                                 started_at=now - timedelta(hours=2),
                                 deadline_at=now - timedelta(hours=1), **base))
        session.add(StepRunRow(execution_id=running, step_id="a", attempt=1, status="succeeded",
                               input={"value": {"k": 2}}, output={"k": 2, "from": "before"},
                               started_at=now, finished_at=now))

    async def scenario() -> list[dict[str, Any]]:
        await core.start(schedule=False)
        try:
            return [await until_final(core, i) for i in (queued, running, overdue)]
        finally:
            await core.stop()

    first, second, late = asyncio.run(scenario())
    assert first["status"] == "succeeded" and steps_by_id(first)["b"]["output"] == {"k": 1}
    assert second["status"] == "succeeded"
    assert [s["step_id"] for s in second["steps"]] == ["a", "b"]  # a was not run again
    assert steps_by_id(second)["b"]["output"] == {"k": 2, "from": "before"}
    assert late["status"] == "failed" and "timeout" in late["error"], late


def test_workflow_timeout_fails_the_execution(engine_settings: Settings) -> None:
    async def scenario() -> tuple[dict[str, Any], float]:
        core = Core(engine_settings, registry=registry_with_testkit())
        definition = {"name": "Too slow", "timeout": 0.2, "triggers": [{"type": "manual"}],
                      "steps": [{"id": "nap", "app": "testkit", "action": "sleep",
                                 "params": {"seconds": 5}}]}
        wf = core.workflows.create(definition)
        workflow, revision = core.workflows.get_model(wf["id"])
        await core.start(resume=False, schedule=False)
        try:
            began = time.monotonic()
            execution_id = await core.executions.start(wf["id"], revision, workflow, {},
                                                       source="api")
            view = await until_final(core, execution_id)
            return view, time.monotonic() - began
        finally:
            await core.stop()

    view, took = asyncio.run(scenario())
    assert view["status"] == "failed" and "workflow timeout of 0.2 s" in view["error"], view
    assert steps_by_id(view)["nap"]["status"] == "cancelled"
    assert took < 3


# a real server: live events, health, metrics, OpenAPI and bad input


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("server") / "data")
    srv.env = {k: v for k, v in srv.env.items() if not k.startswith("THREATFLOW_CRED_")}
    with srv:
        yield srv


@pytest.fixture(scope="module")
def hook(server: Server) -> str:
    """The webhook URL of a two-step workflow on the server."""
    with server.client() as client:
        wf = create(client, {"name": "Events", "triggers": [{"type": "webhook"}], "steps": [
            {"id": "first", "app": "tools", "action": "repeat_back",
             "params": {"value": "{{ trigger }}"}},
            {"id": "second", "app": "tools", "action": "repeat_back", "needs": ["first"],
             "params": {"value": "{{ steps.first.result.n }}"}},
        ]})
    return f"{server.url}/api/v1/hooks/{wf['hooks'][0]['hook_id']}"


def read_events(lines: Iterator[str], execution_id: str, limit: float) -> list[tuple[str, Any]]:
    """Server-sent events until ``execution_id`` is final (or ``limit`` seconds passed)."""
    events: list[tuple[str, Any]] = []
    kind, deadline = "", time.monotonic() + limit
    for line in lines:
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data = json.loads(line.removeprefix("data: "))
            events.append((kind, data))
            if kind == "execution" and data["id"] == execution_id and (
                    data["status"] in EXECUTION_FINAL):
                return events
        assert time.monotonic() < deadline, f"no final event in {limit} s: {events}"
    raise AssertionError(f"stream ended early: {events}")


def test_event_stream_reports_executions_and_steps(server: Server, hook: str) -> None:
    check_error(httpx.get(f"{server.url}/api/v1/events"), 401)
    check_error(httpx.get(f"{server.url}/api/v1/events", params={"token": "wrong"}), 401)
    with httpx.stream("GET", f"{server.url}/api/v1/events", params={"token": TOKEN},
                      timeout=httpx.Timeout(10.0)) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines) == ": connected"
        execution_id = httpx.post(hook, json={"n": 3}).json()["execution_id"]
        events = read_events(lines, execution_id, limit=10.0)

    mine = [(k, d) for k, d in events if d.get("id", d.get("execution_id")) == execution_id]
    statuses = [d["status"] for k, d in mine if k == "execution"]
    assert statuses[0] == "running" and statuses[-1] == "succeeded"
    steps = [(d["step_id"], d["status"]) for k, d in mine if k == "step"]
    assert ("first", "succeeded") in steps and ("second", "succeeded") in steps
    assert steps.index(("first", "succeeded")) < steps.index(("second", "running"))


def metric_values(server: Server) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(f"{server.url}/metrics")
    assert response.status_code == 200
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples}


def test_health_readiness_metrics_and_openapi(server: Server, hook: str) -> None:
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{server.url}/readyz").json() == {"status": "ready", "database": "ok"}
    before = metric_values(server)
    accepted = httpx.post(hook, json={"n": 1})
    assert accepted.status_code == 202
    check_error(httpx.post(f"{server.url}/api/v1/hooks/not-a-hook", json={}), 404)
    with server.client() as client:
        assert wait_execution(client, accepted.json()["execution_id"])["status"] == "succeeded"
    after = metric_values(server)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("threatflow_webhooks_total", outcome="accepted") == 1
    assert grew("threatflow_webhooks_total", outcome="rejected") == 1
    assert grew("threatflow_executions_total", status="succeeded") == 1
    assert grew("threatflow_step_duration_seconds_count", app="tools", status="succeeded") == 2
    paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/hooks/{hook_id}"]
    assert {"/api/v1/credentials", "/api/v1/executions/{execution_id}/rerun"} <= set(paths)


def test_webhook_content_types(server: Server, hook: str) -> None:
    bodies = [
        ("application/json; charset=utf-8", b'{"n": 1}', {"n": 1}),
        ("application/vnd.wazuh+json", b'{"n": 2}', {"n": 2}),
        ("application/xml", b"<n>3</n>", {"body": "<n>3</n>", "content_type": "application/xml"}),
        ("", b"not json", {"body": "not json"}),
        ("application/json", b"", {}),
    ]
    with server.client() as client:
        for content_type, body, payload in bodies:
            headers = {"Content-Type": content_type} if content_type else {}
            response = httpx.post(hook, content=body, headers=headers)
            assert response.status_code == 202, (content_type, response.text)
            view = wait_execution(client, response.json()["execution_id"])
            assert view["payload"] == payload, content_type
    garbled = httpx.post(hook, content=b"\xff\xfe{", headers={"Content-Type": "application/json"})
    assert "malformed JSON" in check_error(garbled, 400)["message"]


# (method, path, payload, accepted statuses); "no token" sends no Authorization header
BAD_REQUESTS: list[tuple[str, str, Any, set[int]]] = [
    ("GET", "/api/v1/hooks/{hook}", None, {404, 405}),
    ("PUT", "/api/v1/hooks/{hook}", {"n": 1}, {405}),
    ("DELETE", "/api/v1/hooks/{hook}", None, {405}),
    ("POST", "/api/v1/hooks/{hook}/extra", {"n": 1}, {404, 405}),
    ("POST", "/api/v1/hooks/", {"n": 1}, {404}),
    ("POST", "/api/v1/auth/login", {}, {422}),
    ("POST", "/api/v1/auth/login", {"username": "admin"}, {422}),
    ("POST", "/api/v1/auth/login", {"username": "admin", "password": "wrong"}, {401}),
    ("POST", "/api/v1/auth/login", "not an object", {422}),
    ("POST", "/api/v1/auth/logout", "no token", {401}),
    ("GET", "/api/v1/auth/me", "no token", {401}),
    ("POST", "/api/v1/executions/{unknown}/cancel", None, {404}),
    ("POST", "/api/v1/executions/{unknown}/rerun", None, {404}),
    ("POST", "/api/v1/executions/{unknown}/rerun", {"from_step": "a"}, {404}),
    ("POST", "/api/v1/executions/{unknown}/rerun", {"from_step": ["a"]}, {422}),
    ("GET", "/api/v1/executions?limit=0", None, {400}),
    ("GET", "/api/v1/executions?limit=many", None, {422}),
    ("GET", "/api/v1/executions?cursor=x&until=soon", None, {422}),
    ("GET", "/api/v1/hooks", "no token", {401}),
    ("GET", "/api/v1/apps/no_such_app", None, {404}),
    ("GET", "/api/v1/schedules/preview?cron=*%20*%20*%20*%20*&timezone=Mars/Olympus", None,
     {400}),
    ("GET", "/api/v1/schedules/preview?cron=*%20*%20*%20*%20*&count=lots", None, {422}),
    ("GET", "/api/v1/credentials", "no token", {401}),
    ("POST", "/api/v1/credentials", b"{broken", {422}),
]


@pytest.mark.parametrize(("method", "path", "payload", "statuses"), BAD_REQUESTS)
def test_bad_input_gets_a_clear_4xx(server: Server, hook: str, method: str, path: str,
                                    payload: Any, statuses: set[int]) -> None:
    url = server.url + path.format(hook=hook.rsplit("/", 1)[1], unknown="0" * 32)
    headers = {} if payload == "no token" else {"Authorization": f"Bearer {TOKEN}"}
    kwargs: dict[str, Any] = {"headers": headers}
    if isinstance(payload, bytes):
        kwargs = {"content": payload, "headers": {**headers, "Content-Type": "application/json"}}
    elif payload is not None and payload != "no token":
        kwargs["json"] = payload
    response = httpx.request(method, url, timeout=10, **kwargs)
    assert response.status_code in statuses, response.text
    body = check_error(response)
    assert "Traceback" not in body["message"]
