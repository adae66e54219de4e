"""Apps imported from OpenAPI documents: stored, versioned, in the catalog, usable in steps."""

from __future__ import annotations

from typing import Any

import pytest
from tests.support.api import create, steps_by_id, wait_execution

pytestmark = pytest.mark.integration

# A slice of TheHive's API written as OpenAPI, so the imported action can be checked by the
# TheHive stand-in, which validates requests like the vendor.
HIVE_SPEC = """
openapi: 3.0.3
info: {title: Hive Slice, version: "1"}
servers: [{url: "http://hive.invalid"}]
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
security: [{bearer: []}]
paths:
  /api/v1/alert:
    post:
      operationId: createAlert
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [type, source, sourceRef, title, description]
              properties:
                type: {type: string}
                source: {type: string}
                sourceRef: {type: string}
                title: {type: string}
                description: {type: string}
                severity: {type: integer, minimum: 1, maximum: 4}
      responses:
        "201": {description: created}
"""


def test_import_list_version_export_delete(api: Any) -> None:
    first = api.post("/api/v1/apps/import?name=hive_slice", content=HIVE_SPEC)
    assert first.status_code == 201, first.text
    assert first.json()["actions"] == 1 and first.json()["version"] == 1
    names = [a["name"] for a in api.get("/api/v1/apps").json()["items"]]
    assert "hive_slice" in names
    app = api.get("/api/v1/apps/hive_slice").json()
    assert app["source"] == "openapi" and app["actions"][0]["name"] == "create_alert"
    again = api.post("/api/v1/apps/import?name=hive_slice", content=HIVE_SPEC)
    assert again.json()["version"] == 2
    assert api.get("/api/v1/apps/hive_slice/export").json()["version"] == 2
    assert api.delete("/api/v1/apps/hive_slice").status_code == 204
    assert api.get("/api/v1/apps/hive_slice").status_code == 404


def test_bad_documents_and_builtin_apps_are_refused(api: Any) -> None:
    not_openapi = api.post("/api/v1/apps/import", content="name: just yaml\n")
    assert not_openapi.status_code == 400 and "OpenAPI" in not_openapi.json()["message"]
    assert api.post("/api/v1/apps/import", content="").status_code == 400
    assert api.delete("/api/v1/apps/thehive").status_code == 409
    clash = api.post("/api/v1/apps/import?name=thehive", content=HIVE_SPEC)
    assert clash.status_code == 409


def test_imported_action_runs_in_a_workflow(api: Any, thehive_standin: Any) -> None:
    assert api.post("/api/v1/apps/import?name=hive_slice", content=HIVE_SPEC).status_code == 201
    api.post("/api/v1/credentials", json={"name": "hive_slice", "app": "hive_slice", "fields": {
        "base_url": thehive_standin.url, "token": thehive_standin.api_key}})
    wf = create(api, {
        "name": "Imported", "triggers": [{"id": "hook", "type": "webhook"}],
        "steps": [{"id": "alert", "app": "hive_slice", "action": "create_alert", "params": {
            "body": {"type": "wazuh", "source": "threatflow", "sourceRef": "{{ trigger.id }}",
                     "title": "t", "description": "d", "severity": 2}}}],
    })
    response = api.post(f"/api/v1/hooks/{wf['hooks'][0]['hook_id']}", json={"id": "ref-1"})
    view = wait_execution(api, response.json()["execution_id"])
    step = steps_by_id(view)["alert"]
    assert view["status"] == "succeeded", step
    assert step["output"]["status"] == 201
    received = thehive_standin.requests[-1]
    assert received["path"] == "/api/v1/alert" and received["body"]["sourceRef"] == "ref-1"
    assert received["headers"]["Authorization"] == f"Bearer {thehive_standin.api_key}"
