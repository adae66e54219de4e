"""MISP: search attributes and events, add events, attributes and sightings, tag objects.

Requests follow MISP's automation API: the API key goes bare in the ``Authorization`` header,
searches go through ``restSearch`` with ``returnFormat: json``, and tags are attached by
numeric id (a tag given by name is looked up with ``/tags/search`` first).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, Field

from threatflow.apps.builtin._common import base_url, compact, json_of, params_error
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ActionError

app = App(
    "misp",
    title="MISP",
    category=Category.INTELLIGENCE,
    description="Threat intelligence sharing platform: search, create and tag indicators.",
    docs_url="https://www.misp-project.org/openapi/",
    credential_fields=[
        CredentialField("url", "MISP URL", description="For example https://misp.example.org"),
        CredentialField("api_key", "API key", secret=True),
    ],
)

Distribution = Literal["0", "1", "2", "3", "4", "5"]
SightingType = Literal["sighting", "false_positive", "expiration"]
_SIGHTING_CODES = {"sighting": "0", "false_positive": "1", "expiration": "2"}


class NewAttribute(BaseModel):
    """An attribute to create, alone or inside a new event."""

    type: Annotated[str, Field(description="MISP attribute type: ip-dst, domain, sha256...")]
    value: str
    category: str | None = None
    to_ids: bool = True
    comment: str = ""
    distribution: Distribution = "5"


def _headers(ctx: ActionContext) -> dict[str, str]:
    return {"Authorization": str(ctx.credential("api_key")), "Accept": "application/json"}


async def _get(ctx: ActionContext, path: str) -> Any:
    response = await ctx.http.get(f"{base_url(ctx)}{path}", headers=_headers(ctx))
    return json_of(response)


async def _post(ctx: ActionContext, path: str, body: dict[str, Any] | None = None) -> Any:
    url = f"{base_url(ctx)}{path}"
    response = await ctx.http.post(url, json=body or {}, headers=_headers(ctx))
    return json_of(response)


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Check the URL and API key by asking MISP for its version."""
    version = await _get(ctx, "/servers/getVersion")
    return {"ok": True, "version": version.get("version")}


@app.action(title="Search attributes")
async def search_attributes(
    ctx: ActionContext,
    value: str | None = None,
    type: str | None = None,
    category: str | None = None,
    tags: list[str] | None = None,
    event_id: str | None = None,
    to_ids: bool | None = None,
    last: str | None = Field(None, description="Age such as 7d, 12h or 30m"),
    limit: int = Field(100, ge=1, le=10000),
    page: int = Field(1, ge=1),
) -> dict[str, Any]:
    """Find attributes (indicators) by value, type, tags or age."""
    body = compact(
        {
            "returnFormat": "json",
            "value": value,
            "type": type,
            "category": category,
            "tags": tags,
            "eventid": event_id,
            "to_ids": to_ids,
            "last": last,
            "limit": limit,
            "page": page,
        }
    )
    found = await _post(ctx, "/attributes/restSearch", body)
    attributes = found.get("response", {}).get("Attribute", [])
    return {"count": len(attributes), "attributes": attributes}


@app.action(title="Search events")
async def search_events(
    ctx: ActionContext,
    value: str | None = None,
    type: str | None = None,
    tags: list[str] | None = None,
    event_info: str | None = None,
    published: bool | None = None,
    last: str | None = Field(None, description="Age such as 7d, 12h or 30m"),
    metadata_only: bool = False,
    limit: int = Field(50, ge=1, le=10000),
    page: int = Field(1, ge=1),
) -> dict[str, Any]:
    """Find events containing a value, carrying tags or matching a description."""
    body = compact(
        {
            "returnFormat": "json",
            "value": value,
            "type": type,
            "tags": tags,
            "eventinfo": event_info,
            "published": published,
            "last": last,
            "metadata": metadata_only or None,
            "limit": limit,
            "page": page,
        }
    )
    found = await _post(ctx, "/events/restSearch", body)
    events = [item.get("Event", item) for item in found.get("response", [])]
    return {"count": len(events), "events": events}


@app.action(title="Add event")
async def add_event(
    ctx: ActionContext,
    info: str = Field(min_length=1, description="Event title"),
    distribution: Distribution = "0",
    threat_level_id: Literal["1", "2", "3", "4"] = "4",
    analysis: Literal["0", "1", "2"] = "0",
    published: bool = False,
    attributes: list[NewAttribute] | None = None,
) -> dict[str, Any]:
    """Create an event, optionally with its first attributes."""
    body: dict[str, Any] = {
        "info": info,
        "distribution": distribution,
        "threat_level_id": threat_level_id,
        "analysis": analysis,
        "published": published,
    }
    if attributes:
        body["Attribute"] = [compact(a.model_dump()) for a in attributes]
    created = await _post(ctx, "/events/add", body)
    return dict(created.get("Event", created))


@app.action(title="Add attribute")
async def add_attribute(
    ctx: ActionContext,
    event_id: str = Field(description="Numeric id or UUID of the event"),
    attribute: NewAttribute = Field(description="The attribute to add"),
) -> dict[str, Any]:
    """Add one attribute (indicator) to an existing event."""
    path = f"/attributes/add/{quote(event_id, safe='')}"
    created = await _post(ctx, path, compact(attribute.model_dump()))
    return dict(created.get("Attribute", created))


@app.action(title="Add sighting")
async def add_sighting(
    ctx: ActionContext,
    value: str | None = Field(None, description="Sight every attribute with this value"),
    attribute_id: str | None = Field(None, description="Or sight one attribute by id or UUID"),
    type: SightingType = "sighting",
    source: str = "threatflow",
) -> dict[str, Any]:
    """Record that an indicator was seen (or was a false positive, or expired)."""
    body = {"type": _SIGHTING_CODES[type], "source": source}
    if attribute_id:
        result = await _post(ctx, f"/sightings/add/{quote(attribute_id, safe='')}", body)
    elif value:
        result = await _post(ctx, "/sightings/add", {**body, "values": [value]})
    else:
        raise params_error("value", "give a value or an attribute_id to sight")
    return dict(result.get("Sighting", result)) if isinstance(result, dict) else {"result": result}


async def _tag_id(ctx: ActionContext, tag: str) -> str:
    if tag.isdigit():
        return tag
    found = await _get(ctx, f"/tags/search/{quote(tag, safe='')}")
    for item in found if isinstance(found, list) else []:
        candidate = item.get("Tag", {})
        if str(candidate.get("name", "")).lower() == tag.lower():
            return str(candidate["id"])
    raise ActionError(f"MISP has no tag named {tag!r}", error_type="not_found")


@app.action(title="Tag event or attribute")
async def add_tag(
    ctx: ActionContext,
    target: Literal["event", "attribute"],
    target_id: str = Field(description="Numeric id or UUID of the event or attribute"),
    tag: str = Field(description="Tag name (tlp:amber) or numeric tag id"),
    local: bool = Field(False, description="Keep the tag on this instance only"),
) -> dict[str, Any]:
    """Attach an existing tag to an event or an attribute."""
    tag_id = await _tag_id(ctx, tag)
    section = "events" if target == "event" else "attributes"
    flag = "1" if local else "0"
    path = f"/{section}/addTag/{quote(target_id, safe='')}/{tag_id}/local:{flag}"
    result = await _post(ctx, path)
    if not result.get("saved", True):
        message = result.get("errors") or "tag could not be added"
        raise ActionError(f"MISP refused the tag: {message}", error_type="vendor")
    return {"tag_id": tag_id, **result}
