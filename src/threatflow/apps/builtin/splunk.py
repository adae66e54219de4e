"""Splunk REST API: search jobs (create, poll, fetch results).

A search runs as a job: ``POST /services/search/jobs`` returns a ``sid``, ``GET
.../jobs/{sid}`` reports ``isDone`` / ``dispatchState``, and ``GET .../jobs/{sid}/results``
returns the rows. The one-shot ``search`` action polls with a bounded wait; past it, it fails
with a retryable ``timeout`` error carrying the ``sid`` so a later step can fetch the results.
Authentication is a bearer token (Splunk authentication tokens) or basic auth.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import quote

from pydantic import Field

from threatflow.apps.builtin._common import base_url, compact, json_of
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ActionError

app = App(
    "splunk",
    title="Splunk",
    category=Category.SIEM,
    description="Run SPL searches as jobs and fetch their results.",
    docs_url="https://docs.splunk.com/Documentation/Splunk/latest/RESTREF/RESTsearch",
    credential_fields=[
        CredentialField("url", "Management URL", description="For example https://splunk:8089"),
        CredentialField("token", "Authentication token", secret=True, required=False),
        CredentialField("username", "User", required=False),
        CredentialField("password", "Password", secret=True, required=False),
    ],
)

JSON = {"output_mode": "json"}


def _auth(ctx: ActionContext) -> dict[str, Any]:
    token = ctx.credentials.get("token")
    if token:
        return {"headers": {"Authorization": f"Bearer {token}"}}
    return {"auth": (str(ctx.credential("username")), str(ctx.credential("password")))}


def _jobs(ctx: ActionContext, sid: str = "") -> str:
    tail = f"/{quote(sid, safe='')}" if sid else ""
    return f"{base_url(ctx)}/services/search/jobs{tail}"


def _spl(query: str) -> str:
    # The API runs the text as a pipeline: a bare query needs the leading "search" command.
    text = query.strip()
    return text if text.startswith(("search ", "|")) else f"search {text}"


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Read the server's name and version."""
    url = f"{base_url(ctx)}/services/server/info"
    body = json_of(await ctx.http.get(url, params=JSON, **_auth(ctx)))
    content = (body.get("entry") or [{}])[0].get("content", {})
    return {"ok": True, "server": content.get("serverName"), "version": content.get("version")}


@app.action(title="Create search job")
async def create_search_job(
    ctx: ActionContext,
    query: str = Field(min_length=1, description='SPL, e.g. index=main src_ip="203.0.113.7"'),
    earliest_time: str | None = Field("-24h", description="Relative (-24h) or ISO time"),
    latest_time: str | None = Field("now"),
    max_count: int = Field(10000, ge=1, description="Most events the job keeps"),
) -> dict[str, Any]:
    """Start a search job; returns its ``sid``."""
    form = compact(
        {
            "search": _spl(query),
            "earliest_time": earliest_time,
            "latest_time": latest_time,
            "max_count": str(max_count),
            "exec_mode": "normal",
            **JSON,
        }
    )
    body = json_of(await ctx.http.post(_jobs(ctx), data=form, **_auth(ctx)))
    return {"sid": body["sid"]}


@app.action(title="Get job status")
async def get_job_status(ctx: ActionContext, sid: str = Field(min_length=1)) -> dict[str, Any]:
    """Progress of a job: ``is_done``, ``dispatch_state``, result and event counts."""
    body = json_of(await ctx.http.get(_jobs(ctx, sid), params=JSON, **_auth(ctx)))
    content = (body.get("entry") or [{}])[0].get("content", {})
    status = {
        "sid": sid,
        "is_done": bool(content.get("isDone")),
        "is_failed": bool(content.get("isFailed")),
        "dispatch_state": content.get("dispatchState"),
        "progress": content.get("doneProgress"),
        "result_count": content.get("resultCount"),
        "event_count": content.get("eventCount"),
    }
    if status["is_failed"] or status["dispatch_state"] == "FAILED":
        messages = content.get("messages") or {}
        raise ActionError(
            f"Splunk search job {sid} failed: {messages}", error_type="vendor", details=status
        )
    return status


@app.action(title="Get job results")
async def get_job_results(
    ctx: ActionContext,
    sid: str = Field(min_length=1),
    count: int = Field(1000, ge=0, description="Rows to return; 0 returns all"),
    offset: int = Field(0, ge=0),
) -> dict[str, Any]:
    """Rows of a finished job, with the field names."""
    params = {**JSON, "count": str(count), "offset": str(offset)}
    url = f"{_jobs(ctx, sid)}/results"
    body = json_of(await ctx.http.get(url, params=params, **_auth(ctx)))
    results = body.get("results", [])
    fields = [f.get("name") if isinstance(f, dict) else f for f in body.get("fields", [])]
    return {"sid": sid, "count": len(results), "fields": fields, "results": results}


@app.action(title="Search")
async def search(
    ctx: ActionContext,
    query: str = Field(min_length=1, description='SPL, e.g. index=main src_ip="203.0.113.7"'),
    earliest_time: str | None = Field("-24h"),
    latest_time: str | None = Field("now"),
    count: int = Field(1000, ge=0, description="Rows to return; 0 returns all"),
    max_wait: float = Field(120.0, gt=0, le=3600, description="Seconds to wait for the job"),
    poll_interval: float = Field(2.0, ge=0.0, le=60, description="Seconds between polls"),
) -> dict[str, Any]:
    """Create a job, wait for it (at most ``max_wait`` seconds) and return its results."""
    started = await create_search_job(ctx, query, earliest_time, latest_time, max(count, 10000))
    sid = str(started["sid"])
    deadline = time.monotonic() + max_wait
    while not (await get_job_status(ctx, sid))["is_done"]:
        if time.monotonic() >= deadline:
            raise ActionError(
                f"Splunk job {sid} not done after {max_wait:g} s",
                error_type="timeout",
                retryable=True,
                details={"sid": sid},
            )
        await asyncio.sleep(poll_interval)
    results: dict[str, Any] = await get_job_results(ctx, sid, count, 0)
    return results
