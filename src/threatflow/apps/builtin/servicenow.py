"""ServiceNow incidents through the Table API: create, update, comment, read.

Incidents are named either by ``sys_id`` (32 hex characters) or by number (``INC0010001``);
numbers are resolved with one lookup. Comments go to ``work_notes`` (internal) or
``comments`` (visible to the caller).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field

from threatflow.apps.builtin._netcommon import base_url, json_of
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ActionError

app = App(
    "servicenow",
    title="ServiceNow",
    category=Category.CASE_MANAGEMENT,
    description="Create and update ServiceNow incidents (Table API, basic auth).",
    docs_url="https://www.servicenow.com/docs/bundle/latest-api-reference/page/integrate/"
    "inbound-rest/concept/c_TableAPI.html",
    credential_fields=[
        CredentialField(
            "base_url", title="Instance URL", description="https://NAME.service-now.com"
        ),
        CredentialField("username"),
        CredentialField("password", secret=True),
    ],
)

_SYS_ID = re.compile(r"^[0-9a-f]{32}$")
_FIELDS = "sys_id,number,state,short_description,priority,assigned_to,sys_updated_on"


def _incident() -> Any:
    return Field(
        pattern=r"^([0-9a-f]{32}|[A-Z]{2,8}\d{4,12})$",
        description="Incident number (INC0010001) or sys_id",
    )


def _table(ctx: ActionContext) -> str:
    return f"{base_url(ctx)}/api/now/table/incident"


def _auth(ctx: ActionContext) -> tuple[str, str]:
    return (str(ctx.credential("username")), str(ctx.credential("password")))


_ACCEPT = {"Accept": "application/json"}
_QUERY = {"sysparm_exclude_reference_link": "true", "sysparm_fields": _FIELDS}


async def _sys_id(ctx: ActionContext, incident: str) -> str:
    if _SYS_ID.match(incident):
        return incident
    params = {
        "sysparm_query": f"number={incident}",
        "sysparm_limit": "1",
        "sysparm_fields": "sys_id",
    }
    response = await ctx.http.get(_table(ctx), params=params, auth=_auth(ctx), headers=_ACCEPT)
    rows = json_of(response).get("result", [])
    if not rows:
        raise ActionError(f"incident {incident} not found", error_type="not_found")
    return str(rows[0]["sys_id"])


def _summary(ctx: ActionContext, record: dict[str, Any]) -> dict[str, Any]:
    sys_id = record.get("sys_id", "")
    return {
        **record,
        "url": f"{base_url(ctx)}/nav_to.do?uri=incident.do?sys_id={sys_id}",
    }


async def _patch(ctx: ActionContext, incident: str, fields: dict[str, Any]) -> dict[str, Any]:
    url = f"{_table(ctx)}/{await _sys_id(ctx, incident)}"
    response = await ctx.http.patch(
        url, json=fields, params=_QUERY, auth=_auth(ctx), headers=_ACCEPT
    )
    return _summary(ctx, json_of(response)["result"])


@app.action(title="Create incident")
async def create_incident(
    ctx: ActionContext,
    short_description: str = Field(min_length=1, max_length=160),
    description: str = "",
    urgency: Literal["1", "2", "3"] | None = None,
    impact: Literal["1", "2", "3"] | None = None,
    caller_id: str = "",
    assignment_group: str = "",
    category: str = "",
    fields: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Create an incident; ``fields`` sets any other column (``u_custom``...)."""
    optional = {
        "description": description,
        "urgency": urgency,
        "impact": impact,
        "caller_id": caller_id,
        "assignment_group": assignment_group,
        "category": category,
    }
    record: dict[str, Any] = {"short_description": short_description}
    record.update({k: v for k, v in optional.items() if v})
    record.update(fields or {})
    response = await ctx.http.post(
        _table(ctx), json=record, params=_QUERY, auth=_auth(ctx), headers=_ACCEPT
    )
    return _summary(ctx, json_of(response)["result"])


@app.action(title="Update incident")
async def update_incident(
    ctx: ActionContext,
    incident: str = _incident(),
    fields: dict[str, Any] = Field(min_length=1, description="Columns to set: state, priority..."),
) -> dict[str, Any]:
    """Set columns of an incident (state, priority, assignment, close code...)."""
    return await _patch(ctx, incident, fields)


@app.action(title="Add comment")
async def add_comment(
    ctx: ActionContext,
    incident: str = _incident(),
    text: str = Field(min_length=1),
    visibility: Literal["work_notes", "comments"] = "work_notes",
) -> dict[str, Any]:
    """Add a work note (internal, default) or an additional comment (visible to the caller)."""
    return await _patch(ctx, incident, {visibility: text})


@app.action(title="Get incident")
async def get_incident(ctx: ActionContext, incident: str = _incident()) -> dict[str, Any]:
    """Read an incident's main columns."""
    url = f"{_table(ctx)}/{await _sys_id(ctx, incident)}"
    response = await ctx.http.get(url, params=_QUERY, auth=_auth(ctx), headers=_ACCEPT)
    return _summary(ctx, json_of(response)["result"])


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Read at most one incident to check the URL, the account and its table rights."""
    params = {"sysparm_limit": "1", "sysparm_fields": "sys_id"}
    response = await ctx.http.get(_table(ctx), params=params, auth=_auth(ctx), headers=_ACCEPT)
    return {"ok": True, "readable": len(json_of(response).get("result", []))}
