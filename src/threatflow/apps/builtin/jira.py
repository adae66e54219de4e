"""Jira Cloud and Jira Server / Data Center: create issues, comment, transition, search by JQL.

Cloud speaks REST v3 (rich text as Atlassian Document Format) with basic auth made of the
account email and an API token; Server and Data Center speak REST v2 (plain text) with a
personal access token sent as a bearer token. The ``deployment`` credential field chooses.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from threatflow.apps.builtin._netcommon import base_url, json_of, setting, vendor_error
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField

app = App(
    "jira",
    title="Jira",
    category=Category.CASE_MANAGEMENT,
    description="Track incidents as Jira issues (Cloud REST v3 or Server/Data Center REST v2).",
    docs_url="https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/",
    credential_fields=[
        CredentialField(
            "base_url",
            title="Site URL",
            description="https://your-site.atlassian.net or your Jira Server / Data Center URL",
        ),
        CredentialField(
            "deployment",
            required=False,
            default="cloud",
            description="cloud (REST v3) or server (REST v2, also for Data Center)",
        ),
        CredentialField(
            "email",
            required=False,
            description="Atlassian account email for Cloud; leave empty to send the token as a "
            "bearer personal access token (Server / Data Center)",
        ),
        CredentialField("api_token", title="API token or PAT", secret=True),
    ],
)


def _issue_key() -> Any:
    # A Field default rather than Annotated: the SDK reads hints without their extras.
    return Field(
        pattern=r"^([A-Za-z][A-Za-z0-9_]*-\d+|\d+)$",
        max_length=64,
        description="Issue key (SEC-24) or numeric id",
    )


@dataclass(frozen=True, slots=True)
class _Site:
    root: str
    cloud: bool
    headers: dict[str, str]

    def api(self, path: str) -> str:
        return f"{self.root}/rest/api/{3 if self.cloud else 2}/{path}"


def _site(ctx: ActionContext) -> _Site:
    token = str(ctx.credential("api_token"))
    email = str(ctx.credentials.get("email") or "")
    if email:
        auth = "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()
    else:
        auth = f"Bearer {token}"
    cloud = setting(ctx, "deployment", "cloud").strip().lower() == "cloud"
    headers = {"Authorization": auth, "Accept": "application/json"}
    return _Site(base_url(ctx), cloud, headers)


def _adf(text: str) -> dict[str, Any]:
    """Plain text as an Atlassian Document Format document: blank lines split paragraphs."""
    paragraphs = []
    for block in text.split("\n\n"):
        content: list[dict[str, Any]] = []
        for number, line in enumerate(block.split("\n")):
            if number:
                content.append({"type": "hardBreak"})
            if line:
                content.append({"type": "text", "text": line})
        paragraphs.append({"type": "paragraph", "content": content})
    return {"type": "doc", "version": 1, "content": paragraphs}


def _rich(site: _Site, text: str) -> Any:
    return _adf(text) if site.cloud else text


@app.action(title="Create issue")
async def create_issue(
    ctx: ActionContext,
    project_key: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$"),
    summary: str = Field(min_length=1, max_length=255),
    description: str = "",
    issue_type: str = "Task",
    labels: list[str] | None = None,
    priority: str = "",
    fields: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Create an issue; ``fields`` adds custom fields as Jira expects them (``customfield_N``)."""
    site = _site(ctx)
    body: dict[str, Any] = {
        "project": {"key": project_key},
        "summary": summary,
        "issuetype": {"name": issue_type},
    }
    if description:
        body["description"] = _rich(site, description)
    if labels:
        body["labels"] = labels
    if priority:
        body["priority"] = {"name": priority}
    body.update(fields or {})
    response = await ctx.http.post(site.api("issue"), json={"fields": body}, headers=site.headers)
    created = json_of(response)
    key = created.get("key", "")
    return {"id": created.get("id"), "key": key, "url": f"{site.root}/browse/{key}"}


@app.action(title="Add comment")
async def add_comment(
    ctx: ActionContext, issue_key: str = _issue_key(), body: str = Field(min_length=1)
) -> dict[str, Any]:
    """Add a comment to an issue."""
    site = _site(ctx)
    url = site.api(f"issue/{issue_key}/comment")
    response = await ctx.http.post(url, json={"body": _rich(site, body)}, headers=site.headers)
    comment = json_of(response)
    return {"id": comment.get("id"), "issue_key": issue_key, "created": comment.get("created")}


@app.action(title="Transition issue")
async def transition_issue(
    ctx: ActionContext,
    issue_key: str = _issue_key(),
    transition: str = Field(min_length=1),
    comment: str = "",
) -> dict[str, Any]:
    """Move an issue through its workflow; ``transition`` is a transition id, its name, or the
    name of the status it leads to (case-insensitive)."""
    site = _site(ctx)
    url = site.api(f"issue/{issue_key}/transitions")
    available = json_of(await ctx.http.get(url, headers=site.headers)).get("transitions", [])
    chosen = _pick_transition(available, transition)
    body: dict[str, Any] = {"transition": {"id": chosen["id"]}}
    if comment:
        body["update"] = {"comment": [{"add": {"body": _rich(site, comment)}}]}
    await ctx.http.post(url, json=body, headers=site.headers)
    return {
        "issue_key": issue_key,
        "transition_id": chosen["id"],
        "transition": chosen.get("name"),
        "status": (chosen.get("to") or {}).get("name"),
    }


def _pick_transition(available: list[dict[str, Any]], wanted: str) -> dict[str, Any]:
    needle = wanted.strip().lower()
    for item in available:
        names = {str(item.get("id")), str(item.get("name", "")).lower()}
        names.add(str((item.get("to") or {}).get("name", "")).lower())
        if needle in names:
            return item
    offered = ", ".join(f"{t.get('name')} ({t.get('id')})" for t in available) or "none"
    raise vendor_error(f"no transition {wanted!r} for this issue; available: {offered}")


@app.action(title="Search issues (JQL)")
async def search_issues(
    ctx: ActionContext,
    jql: str = Field(min_length=1),
    max_results: int = Field(default=50, ge=1, le=100),
    fields: list[str] | None = None,
    next_page_token: str = "",
) -> dict[str, Any]:
    """Search issues with JQL; pass ``next_page_token`` back to read the next page."""
    site = _site(ctx)
    query: dict[str, Any] = {
        "jql": jql,
        "maxResults": max_results,
        "fields": ",".join(fields or ["summary", "status", "priority", "assignee", "labels"]),
    }
    if site.cloud:
        # Cloud retired GET /search in favour of /search/jql, which pages with a token.
        if next_page_token:
            query["nextPageToken"] = next_page_token
        url = site.api("search/jql")
    else:
        query["startAt"] = int(next_page_token or 0)
        url = site.api("search")
    found = json_of(await ctx.http.get(url, params=query, headers=site.headers))
    issues = [
        {"id": i.get("id"), "key": i.get("key"), "fields": i.get("fields", {})}
        for i in found.get("issues", [])
    ]
    return {"issues": issues, "next_page_token": _next_page(site, found, len(issues))}


def _next_page(site: _Site, found: dict[str, Any], count: int) -> str:
    if site.cloud:
        return str(found.get("nextPageToken") or "")
    after = int(found.get("startAt", 0)) + count
    return str(after) if count and after < int(found.get("total", 0)) else ""


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Check the URL and credentials by reading the calling user's profile."""
    site = _site(ctx)
    me = json_of(await ctx.http.get(site.api("myself"), headers=site.headers))
    return {"ok": True, "user": me.get("displayName") or me.get("name")}
