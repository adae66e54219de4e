"""GitHub issues: create, comment, close and search through the REST API.

Works with github.com and GitHub Enterprise Server (base URL ``https://HOST/api/v3``). Tokens
are fine-grained or classic personal access tokens, or GitHub App installation tokens.
"""

from __future__ import annotations

from typing import Any, Literal

import httpx
from pydantic import Field

from threatflow.apps.builtin._netcommon import base_url, json_of, setting
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import HttpError

app = App(
    "github",
    title="GitHub Issues",
    category=Category.CASE_MANAGEMENT,
    description="Open, comment on, close and search GitHub issues.",
    docs_url="https://docs.github.com/en/rest/issues/issues",
    credential_fields=[
        CredentialField(
            "base_url",
            required=False,
            default="https://api.github.com",
            description="https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise",
        ),
        CredentialField("token", secret=True, description="Personal access or installation token"),
        CredentialField("api_version", required=False, default="2022-11-28"),
    ],
)


def _repository() -> Any:
    return Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", description="owner/name")


def _root(ctx: ActionContext) -> str:
    return base_url(ctx) if ctx.credentials.get("base_url") else "https://api.github.com"


def _headers(ctx: ActionContext) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {ctx.credential('token')}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": setting(ctx, "api_version", "2022-11-28"),
    }


async def _call(ctx: ActionContext, method: str, path: str, **kwargs: Any) -> Any:
    """One API call; a 403 that is really a rate limit becomes retryable."""
    url = _root(ctx) + path
    response = await ctx.http.request(
        method, url, headers=_headers(ctx), raise_for_status=False, **kwargs
    )
    if response.status_code >= 400:
        raise _error(response, method, url)
    return json_of(response)


def _error(response: httpx.Response, method: str, url: str) -> HttpError:
    try:
        message = str(response.json().get("message", ""))
    except (ValueError, AttributeError):
        message = response.text[:300]
    message = message or response.reason_phrase
    error = HttpError(response.status_code, message, method=method, url=url)
    # GitHub answers its primary and secondary rate limits with 403 as well as 429.
    headers = response.headers
    if response.status_code == 403 and (
        "retry-after" in headers or headers.get("x-ratelimit-remaining") == "0"
    ):
        error.retryable = True
        error.details["retry_after"] = headers.get("retry-after")
    return error


def _issue_summary(issue: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": issue.get("number"),
        "id": issue.get("id"),
        "title": issue.get("title"),
        "state": issue.get("state"),
        "state_reason": issue.get("state_reason"),
        "url": issue.get("html_url"),
    }


@app.action(title="Create issue")
async def create_issue(
    ctx: ActionContext,
    repository: str = _repository(),
    title: str = Field(min_length=1, max_length=256),
    body: str = "",
    labels: list[str] | None = None,
    assignees: list[str] | None = None,
) -> dict[str, Any]:
    """Open an issue in ``repository`` (owner/name)."""
    payload: dict[str, Any] = {"title": title, "body": body}
    if labels:
        payload["labels"] = labels
    if assignees:
        payload["assignees"] = assignees
    issue = await _call(ctx, "POST", f"/repos/{repository}/issues", json=payload)
    return _issue_summary(issue)


@app.action(title="Add comment")
async def add_comment(
    ctx: ActionContext,
    repository: str = _repository(),
    issue_number: int = Field(ge=1),
    body: str = Field(min_length=1),
) -> dict[str, Any]:
    """Comment on an issue."""
    path = f"/repos/{repository}/issues/{issue_number}/comments"
    comment = await _call(ctx, "POST", path, json={"body": body})
    return {"id": comment.get("id"), "url": comment.get("html_url")}


@app.action(title="Close issue")
async def close_issue(
    ctx: ActionContext,
    repository: str = _repository(),
    issue_number: int = Field(ge=1),
    reason: Literal["completed", "not_planned"] = "completed",
    comment: str = "",
) -> dict[str, Any]:
    """Close an issue, optionally with a closing comment first."""
    if comment:
        await add_comment(ctx, repository, issue_number, comment)
    patch = {"state": "closed", "state_reason": reason}
    issue = await _call(ctx, "PATCH", f"/repos/{repository}/issues/{issue_number}", json=patch)
    return _issue_summary(issue)


@app.action(title="Search issues")
async def search_issues(
    ctx: ActionContext,
    query: str = Field(min_length=1, description="GitHub search text and qualifiers"),
    repository: str = Field(default="", pattern=r"^([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)?$"),
    state: Literal["open", "closed", "all"] = "all",
    per_page: int = Field(default=30, ge=1, le=100),
) -> dict[str, Any]:
    """Search issues (pull requests excluded); ``repository`` narrows to one repository."""
    terms = [query, "is:issue"]
    if repository:
        terms.append(f"repo:{repository}")
    if state != "all":
        terms.append(f"state:{state}")
    params = {"q": " ".join(terms), "per_page": per_page}
    found = await _call(ctx, "GET", "/search/issues", params=params)
    return {
        "total_count": found.get("total_count", 0),
        "incomplete_results": found.get("incomplete_results", False),
        "items": [_issue_summary(item) for item in found.get("items", [])],
    }


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Check the token with the rate-limit endpoint, which any valid token may read."""
    limits = await _call(ctx, "GET", "/rate_limit")
    core = limits.get("resources", {}).get("core", {})
    return {"ok": True, "remaining": core.get("remaining"), "limit": core.get("limit")}
