"""The ``thehive`` app: alerts, cases, observables and comments in TheHive 5 (REST API v1).

Calls carry ``Authorization: Bearer <api_key>`` and, when the credential names one,
``X-Organisation``. ``create_alert`` is safe to retry: when TheHive refuses an alert whose
type, source and sourceRef already exist, the existing alert is looked up and returned with
``"duplicate": true`` instead of failing the step.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field

from threatflow.apps.builtin._httpkit import http_error, http_for, response_body, setting_on
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ParamsInvalid, Problem

__all__ = ["Observable", "app"]

app = App(
    "thehive",
    title="TheHive",
    category=Category.CASE_MANAGEMENT,
    description="Create and update alerts, cases, observables and comments in TheHive 5.",
    docs_url="https://docs.strangebee.com/thehive/api-docs/",
    credential_fields=[
        CredentialField("url", title="URL", description="Base URL, e.g. https://thehive.local"),
        CredentialField("api_key", title="API key", secret=True),
        CredentialField(
            "organisation",
            required=False,
            description="Organisation to act in (sent as X-Organisation); the user's default "
            "organisation when empty.",
        ),
        CredentialField(
            "verify_tls",
            title="Verify TLS",
            required=False,
            default="true",
            description="Check the server certificate (set to false for self-signed test hosts).",
        ),
    ],
)


class Observable(BaseModel):
    """An observable as TheHive takes it (attribute names are TheHive's)."""

    model_config = ConfigDict(extra="forbid")

    dataType: str = Field(description="ip, domain, url, mail, hash, filename, fqdn, other...")
    data: str
    message: str | None = None
    tags: list[str] | None = None
    ioc: bool | None = None
    sighted: bool | None = None
    tlp: int | None = Field(default=None, ge=0, le=4)
    pap: int | None = Field(default=None, ge=0, le=3)


def _payload(**fields: Any) -> dict[str, Any]:
    """The fields that are set; TheHive rejects explicit nulls for most attributes."""
    return {name: value for name, value in fields.items() if value is not None}


def _segment(identifier: str) -> str:
    return quote(identifier, safe="~")


def _epoch_ms(value: int | str | None, field: str) -> int | None:
    if value is None or isinstance(value, int):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ParamsInvalid(
            [Problem(f"params.{field}", "expected epoch milliseconds or an ISO 8601 date")]
        ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


async def _call(
    ctx: ActionContext,
    method: str,
    path: str,
    *,
    json: Any = None,
    params: dict[str, str] | None = None,
    raise_for_status: bool = True,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {ctx.credential('api_key')}"}
    if ctx.credentials.get("organisation"):
        headers["X-Organisation"] = str(ctx.credentials["organisation"])
    url = str(ctx.credential("url")).rstrip("/") + path
    verify = setting_on(ctx.credentials.get("verify_tls"), default=True)
    async with http_for(ctx, verify=verify) as http:
        return await http.request(
            method,
            url,
            headers=headers,
            json=json,
            params=params,
            raise_for_status=raise_for_status,
        )


async def _json(ctx: ActionContext, method: str, path: str, json: Any = None) -> Any:
    response = await _call(ctx, method, path, json=json)
    return response_body(response)


@app.action(title="Create alert")
async def create_alert(
    ctx: ActionContext,
    title: str,
    description: str,
    type: str,
    source: str,
    sourceRef: str,
    severity: int = Field(default=2, ge=1, le=4, description="1 low, 2 medium, 3 high, 4 critical"),
    tags: list[str] | None = None,
    observables: list[Observable] | None = None,
    tlp: int = Field(default=2, ge=0, le=4, description="0 clear ... 4 red"),
    pap: int = Field(default=2, ge=0, le=3, description="0 clear ... 3 red"),
    date: int | str | None = Field(default=None, description="epoch ms or ISO 8601"),
    externalLink: str | None = None,
    caseTemplate: str | None = None,
    customFields: dict[str, Any] | None = Field(default=None, description="name -> value"),
) -> dict[str, Any]:
    """Create an alert; an alert with the same type/source/sourceRef is returned instead.

    The result is TheHive's alert plus ``duplicate`` (true when it already existed).
    """
    body = _payload(
        title=title,
        description=description,
        type=type,
        source=source,
        sourceRef=sourceRef,
        severity=severity,
        tags=tags,
        tlp=tlp,
        pap=pap,
        date=_epoch_ms(date, "date"),
        externalLink=externalLink,
        caseTemplate=caseTemplate,
        customFields=customFields,
        observables=[o.model_dump(exclude_none=True) for o in observables or []] or None,
    )
    response = await _call(ctx, "POST", "/api/v1/alert", json=body, raise_for_status=False)
    if response.is_success:
        return {**response.json(), "duplicate": False}
    if _is_duplicate(response):
        existing = await _find_alert(ctx, type, source, sourceRef)
        if existing is not None:
            ctx.log.info("thehive alert %s already exists; reusing it", existing.get("_id"))
            return {**existing, "duplicate": True}
    raise http_error(response)


def _is_duplicate(response: httpx.Response) -> bool:
    body = response_body(response)
    return (
        response.status_code == 400 and isinstance(body, dict) and body.get("type") == "CreateError"
    )


async def _find_alert(
    ctx: ActionContext, alert_type: str, source: str, source_ref: str
) -> dict[str, Any] | None:
    criteria = {"type": alert_type, "source": source, "sourceRef": source_ref}
    query = [
        {"_name": "listAlert"},
        {
            "_name": "filter",
            "_and": [{"_eq": {"_field": k, "_value": v}} for k, v in criteria.items()],
        },
        {"_name": "page", "from": 0, "to": 1},
    ]
    response = await _call(
        ctx, "POST", "/api/v1/query", json={"query": query}, params={"name": "alerts"}
    )
    found = response.json()
    return found[0] if isinstance(found, list) and found else None


@app.action(title="Create case")
async def create_case(
    ctx: ActionContext,
    title: str,
    description: str,
    severity: int = Field(default=2, ge=1, le=4, description="1 low, 2 medium, 3 high, 4 critical"),
    tags: list[str] | None = None,
    tlp: int = Field(default=2, ge=0, le=4),
    pap: int = Field(default=2, ge=0, le=3),
    assignee: str | None = None,
    caseTemplate: str | None = None,
    summary: str | None = None,
    flag: bool | None = None,
    customFields: dict[str, Any] | None = Field(default=None, description="name -> value"),
) -> Any:
    """Create a case; returns TheHive's case (with ``_id`` and ``number``)."""
    body = _payload(
        title=title,
        description=description,
        severity=severity,
        tags=tags,
        tlp=tlp,
        pap=pap,
        assignee=assignee,
        caseTemplate=caseTemplate,
        summary=summary,
        flag=flag,
        customFields=customFields,
    )
    return await _json(ctx, "POST", "/api/v1/case", body)


@app.action(title="Add observable")
async def add_observable(
    ctx: ActionContext,
    target_id: str,
    dataType: str,
    data: str,
    target: Literal["case", "alert"] = "case",
    message: str | None = None,
    tags: list[str] | None = None,
    ioc: bool | None = None,
    sighted: bool | None = None,
    tlp: int | None = Field(default=None, ge=0, le=4),
) -> Any:
    """Add an observable to a case (or an alert); returns the list TheHive created."""
    observable = Observable(
        dataType=dataType, data=data, message=message, tags=tags, ioc=ioc, sighted=sighted, tlp=tlp
    )
    path = f"/api/v1/{target}/{_segment(target_id)}/observable"
    return await _json(ctx, "POST", path, observable.model_dump(exclude_none=True))


@app.action(title="Add comment")
async def add_comment(ctx: ActionContext, case_id: str, message: str = Field(min_length=1)) -> Any:
    """Add a comment (Markdown) to a case."""
    path = f"/api/v1/case/{_segment(case_id)}/comment"
    return await _json(ctx, "POST", path, {"message": message})


@app.action(title="Get case")
async def get_case(ctx: ActionContext, case_id: str) -> Any:
    """A case by id (``~123``) or number."""
    return await _json(ctx, "GET", f"/api/v1/case/{_segment(case_id)}")


@app.action(title="Update case")
async def update_case(
    ctx: ActionContext,
    case_id: str,
    title: str | None = None,
    description: str | None = None,
    severity: int | None = Field(default=None, ge=1, le=4),
    status: str | None = Field(
        default=None, description="New, InProgress, TruePositive, FalsePositive, Duplicated..."
    ),
    summary: str | None = None,
    impactStatus: Literal["NotApplicable", "WithImpact", "NoImpact"] | None = None,
    assignee: str | None = None,
    tags: list[str] | None = None,
    addTags: list[str] | None = None,
    removeTags: list[str] | None = None,
    tlp: int | None = Field(default=None, ge=0, le=4),
    pap: int | None = Field(default=None, ge=0, le=3),
    flag: bool | None = None,
) -> Any:
    """Change the given fields of a case, then return the case as it now is."""
    changes = _payload(
        title=title,
        description=description,
        severity=severity,
        status=status,
        summary=summary,
        impactStatus=impactStatus,
        assignee=assignee,
        tags=tags,
        addTags=addTags,
        removeTags=removeTags,
        tlp=tlp,
        pap=pap,
        flag=flag,
    )
    if not changes:
        raise ParamsInvalid([Problem("params", "give at least one field to change")])
    path = f"/api/v1/case/{_segment(case_id)}"
    await _call(ctx, "PATCH", path, json=changes)
    return await _json(ctx, "GET", path)


@app.action(title="Promote alert to case")
async def promote_alert_to_case(
    ctx: ActionContext, alert_id: str, caseTemplate: str | None = None
) -> Any:
    """Turn an alert into a case (its observables follow); returns the new case."""
    path = f"/api/v1/alert/{_segment(alert_id)}/case"
    return await _json(ctx, "POST", path, _payload(caseTemplate=caseTemplate))


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Check the URL and API key by reading the current user."""
    user = await _json(ctx, "GET", "/api/v1/user/current")
    login = user.get("login") if isinstance(user, dict) else None
    organisation = user.get("organisation") if isinstance(user, dict) else None
    return {"ok": True, "message": f"connected as {login} ({organisation})", "user": user}
