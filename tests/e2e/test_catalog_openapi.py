"""Importing an OpenAPI document as an app from the catalog page, and deleting it again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.e2e.browser import Server, sign_in

pytestmark = pytest.mark.e2e

APP = "e2e_ticket_desk"

# No `servers`: the import warns that the base URL must come from the credential.
TICKETS_OPENAPI = """\
openapi: 3.0.3
info: {title: E2E Ticket Desk, version: 1.4.0}
paths:
  /tickets:
    get:
      operationId: listTickets
      summary: List tickets
      parameters:
        - {name: status, in: query, schema: {type: string, enum: [open, closed]}}
      responses: {'200': {description: the tickets}}
    post:
      operationId: createTicket
      summary: Create a ticket
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [title]
              properties: {title: {type: string}}
      responses: {'201': {description: created}}
"""


def _imported_apps(server: Server) -> list[str]:
    items = server.api("GET", "/apps")["items"]
    return [app["name"] for app in items if app["source"] == "openapi"]


def _open_dialog(page: Any) -> Any:
    page.get_by_test_id("openapi-import").click()
    dialog = page.get_by_test_id("openapi-import-dialog")
    expect(dialog).to_be_visible()
    return dialog


def test_import_openapi_file_see_actions_and_delete(
    page: Any, server: Server, tmp_path: Path
) -> None:
    document = tmp_path / "tickets.yaml"
    document.write_text(TICKETS_OPENAPI)
    sign_in(page, "/apps")
    card = page.get_by_test_id(f"app-{APP}")
    expect(page.get_by_test_id("apps-page")).to_be_visible()
    expect(card).to_have_count(0)

    dialog = _open_dialog(page)
    dialog.get_by_test_id("openapi-import-file").set_input_files(str(document))
    expect(dialog.get_by_test_id("openapi-import-file-info")).to_contain_text("tickets.yaml")
    dialog.get_by_test_id("openapi-import-name").fill(APP)
    dialog.get_by_test_id("openapi-import-submit").click()

    expect(dialog.get_by_test_id("openapi-import-result-name")).to_have_text(APP)
    expect(dialog.get_by_test_id("openapi-import-result-version")).to_have_text("1")
    expect(dialog.get_by_test_id("openapi-import-result-actions")).to_have_text("2")
    expect(dialog.get_by_test_id("openapi-import-warning")).to_have_count(1)
    expect(dialog.get_by_test_id("openapi-import-warning")).to_contain_text("base_url")
    dialog.get_by_test_id("openapi-import-close").click()
    expect(dialog).to_be_hidden()

    # the catalog refreshed behind the dialog: the app, its badge and both actions
    expect(card.get_by_test_id("app-openapi-badge")).to_have_text("OpenAPI v1")
    expect(card.get_by_test_id(f"action-{APP}.list_tickets")).to_contain_text("List tickets")
    expect(card.get_by_test_id(f"action-{APP}.create_ticket")).to_contain_text("Create a ticket")
    card.get_by_test_id(f"action-{APP}.create_ticket").locator("summary").click()
    expect(card.get_by_test_id(f"action-{APP}.create_ticket")).to_contain_text("body")

    # pasting the same document again under the same name makes version 2
    dialog = _open_dialog(page)
    dialog.get_by_test_id("openapi-import-text").fill(TICKETS_OPENAPI)
    dialog.get_by_test_id("openapi-import-name").fill(APP)
    dialog.get_by_test_id("openapi-import-submit").click()
    expect(dialog.get_by_test_id("openapi-import-result-version")).to_have_text("2")
    dialog.get_by_test_id("openapi-import-close").click()
    expect(card.get_by_test_id("app-openapi-badge")).to_have_text("OpenAPI v2")

    # built-in apps cannot be deleted from here
    expect(page.get_by_test_id("app-tools").get_by_test_id("app-delete")).to_have_count(0)

    card.get_by_test_id("app-delete").click()
    expect(page.get_by_test_id("confirm-dialog")).to_contain_text(APP)
    page.get_by_test_id("confirm-ok").click()
    expect(card).to_have_count(0)
    names = [app["name"] for app in server.api("GET", "/apps")["items"]]
    assert APP not in names


def test_a_file_that_is_not_openapi_shows_the_server_message(
    page: Any, server: Server, tmp_path: Path
) -> None:
    not_openapi = tmp_path / "inventory.json"
    not_openapi.write_text(json.dumps({"hosts": ["web-1", "db-1"]}))
    sign_in(page, "/apps")
    before = _imported_apps(server)

    dialog = _open_dialog(page)
    dialog.get_by_test_id("openapi-import-file").set_input_files(str(not_openapi))
    dialog.get_by_test_id("openapi-import-submit").click()
    error = dialog.get_by_test_id("error-box")
    expect(error).to_contain_text("not an OpenAPI document")
    expect(dialog.get_by_test_id("openapi-import-result")).to_have_count(0)
    # the choice stays until removed; then there is nothing to send until text is pasted
    expect(dialog.get_by_test_id("openapi-import-file-info")).to_contain_text("inventory.json")
    dialog.get_by_test_id("openapi-import-file-clear").click()
    expect(dialog.get_by_test_id("openapi-import-text")).to_be_visible()
    expect(dialog.get_by_test_id("openapi-import-submit")).to_be_disabled()
    assert _imported_apps(server) == before
