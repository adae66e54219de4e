"""Workflows through the real HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration


def simple(name: str = "Echo", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "triggers": [{"id": "hook", "type": "webhook"}],
        "steps": [{"id": "one", "app": "testkit", "action": "echo",
                   "params": {"value": "{{ trigger.msg }}"}}],
        **extra,
    }


def test_requires_a_bearer_token(api: Any) -> None:
    response = api.get("/api/v1/workflows", headers={"Authorization": ""})
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    wrong = api.get("/api/v1/workflows", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_login_gives_a_working_token(api: Any) -> None:
    bad = api.post("/api/v1/auth/login", json={"username": "admin", "password": "x"})
    assert bad.status_code == 401
    good = api.post("/api/v1/auth/login", json={"username": "admin", "password": "stack-pw"})
    assert good.status_code == 200
    token = good.json()["token"]
    me = api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "admin"


def test_create_read_update_revisions_restore(api: Any) -> None:
    created = api.post("/api/v1/workflows", json={"definition": simple()})
    assert created.status_code == 201, created.text
    wf = created.json()
    assert wf["revision"] == 1 and wf["hooks"][0]["url"].endswith(wf["hooks"][0]["hook_id"])

    changed = simple("Echo v2")
    updated = api.put(f"/api/v1/workflows/{wf['id']}", json={"definition": changed,
                                                              "message": "rename"})
    assert updated.json()["revision"] == 2
    assert updated.json()["hooks"][0]["hook_id"] == wf["hooks"][0]["hook_id"]

    revisions = api.get(f"/api/v1/workflows/{wf['id']}/revisions").json()["items"]
    assert [r["revision"] for r in revisions] == [2, 1]
    assert revisions[0]["message"] == "rename" and revisions[0]["created_by"] == "admin"

    restored = api.post(f"/api/v1/workflows/{wf['id']}/revisions/1/restore").json()
    assert restored["revision"] == 3 and restored["name"] == "Echo"


def test_invalid_workflow_lists_every_problem(api: Any) -> None:
    bad = {
        "name": "Broken",
        "steps": [
            {"id": "a", "app": "nope", "action": "x"},
            {"id": "b", "app": "testkit", "action": "missing"},
            {"id": "c", "app": "testkit", "action": "echo", "needs": ["zzz"],
             "params": {"value": "{{ steps.ghost.result }}", "extra": 1}},
            {"id": "d", "app": "testkit", "action": "sleep", "params": {"seconds": "slow"},
             "when": "{{ oops("},
        ],
    }
    response = api.post("/api/v1/workflows", json={"definition": bad})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "workflow_invalid"
    paths = {p["path"] for p in body["problems"]}
    assert {"steps[0].app", "steps[1].action", "steps[2].needs[0]", "steps[2].params.value",
            "steps[2].params.extra", "steps[3].params.seconds", "steps[3].when"} <= paths


def test_structural_errors_have_paths(api: Any) -> None:
    response = api.post("/api/v1/workflows", json={"definition": {
        "name": "", "steps": [{"id": "1bad", "app": "testkit"}]}})
    assert response.status_code == 422
    paths = {p["path"] for p in response.json()["problems"]}
    assert {"name", "steps[0].id", "steps[0].action"} <= paths


def test_validate_endpoint_does_not_save(api: Any) -> None:
    response = api.post("/api/v1/workflows/validate", json={"definition": simple()})
    assert response.json() == {"valid": True, "problems": []}
    assert api.get("/api/v1/workflows").json()["items"] == []


def test_import_export_round_trip(api: Any) -> None:
    yaml_text = (
        "name: Imported\ntriggers: [{id: manual, type: manual}]\n"
        "steps:\n  - {id: s, app: testkit, action: echo, params: {value: 1}}\n"
    )
    created = api.post("/api/v1/workflows/import", content=yaml_text,
                       headers={"Content-Type": "text/yaml"})
    assert created.status_code == 201, created.text
    exported = api.get(f"/api/v1/workflows/{created.json()['id']}/export?format=yaml")
    assert "name: Imported" in exported.text
    bad = api.post("/api/v1/workflows/import", content="name: [unclosed",
                   headers={"Content-Type": "text/yaml"})
    assert bad.status_code == 400 and bad.json()["message"].startswith("document:")


def test_list_search_and_pagination(api: Any) -> None:
    for i in range(5):
        api.post("/api/v1/workflows", json={"definition": simple(f"Flow {i}")})
    page = api.get("/api/v1/workflows?limit=2").json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = api.get(f"/api/v1/workflows?limit=10&cursor={page['next_cursor']}").json()
    assert len(rest["items"]) == 3 and rest["next_cursor"] is None
    found = api.get("/api/v1/workflows?q=flow 3").json()["items"]
    assert [w["name"] for w in found] == ["Flow 3"]
    assert api.get("/api/v1/workflows?limit=0").status_code == 400


def test_disable_and_delete(api: Any) -> None:
    wf = api.post("/api/v1/workflows", json={"definition": simple()}).json()
    hook = wf["hooks"][0]["hook_id"]
    assert api.patch(f"/api/v1/workflows/{wf['id']}", json={"enabled": False}).status_code == 200
    assert api.post(f"/api/v1/hooks/{hook}", json={"msg": "x"}).status_code == 404
    api.patch(f"/api/v1/workflows/{wf['id']}", json={"enabled": True})
    assert api.post(f"/api/v1/hooks/{hook}", json={"msg": "x"}).status_code == 202
    assert api.delete(f"/api/v1/workflows/{wf['id']}").status_code == 204
    assert api.get(f"/api/v1/workflows/{wf['id']}").status_code == 404
    assert api.post(f"/api/v1/hooks/{hook}", json={"msg": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("post", "/api/v1/workflows", {"definition": "not an object"}),
        ("post", "/api/v1/workflows", {}),
        ("put", "/api/v1/workflows/unknown", {"definition": {"name": "x"}}),
        ("get", "/api/v1/workflows/unknown", None),
        ("get", "/api/v1/workflows/unknown/revisions/7", None),
        ("post", "/api/v1/workflows/unknown/run", {"input": {}}),
        ("get", "/api/v1/workflows/unknown/export", None),
        ("patch", "/api/v1/workflows/unknown", {"enabled": "maybe"}),
    ],
)
def test_bad_input_gets_a_clear_4xx(api: Any, method: str, path: str, payload: Any) -> None:
    response = getattr(api, method)(path, **({"json": payload} if payload is not None else {}))
    assert 400 <= response.status_code < 500
    body = response.json()
    assert body["error"] and body["message"]


def test_schema_and_schedule_preview(api: Any) -> None:
    schema = api.get("/api/v1/schemas/workflow").json()
    assert "steps" in schema["properties"]
    times = api.get("/api/v1/schedules/preview?cron=*/5 * * * *&count=5").json()["times"]
    assert len(times) == 5
    bad = api.get("/api/v1/schedules/preview?cron=not-cron")
    assert bad.status_code == 400 and "cron" in bad.json()["message"]


def test_stale_save_is_refused(api: Any) -> None:
    wf = api.post("/api/v1/workflows", json={"definition": simple()}).json()
    first = api.put(f"/api/v1/workflows/{wf['id']}",
                    json={"definition": simple("A"), "base_revision": 1})
    assert first.status_code == 200
    stale = api.put(f"/api/v1/workflows/{wf['id']}",
                    json={"definition": simple("B"), "base_revision": 1})
    assert stale.status_code == 409 and "revision 1" in stale.json()["message"]
