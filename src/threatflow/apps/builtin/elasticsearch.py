"""Elasticsearch and OpenSearch: search with the query DSL, index and get documents.

Both speak the same document APIs used here. Authentication is an API key
(``Authorization: ApiKey <base64 id:key>``, Elasticsearch) or basic auth (both). A missing
document is a normal answer (``found: false``); a missing index is an error.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from pydantic import Field

from threatflow.apps.builtin._common import base_url, compact, json_of
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import HttpError

app = App(
    "elasticsearch",
    title="Elasticsearch / OpenSearch",
    category=Category.SIEM,
    description="Search events with the query DSL; index and fetch documents.",
    docs_url="https://www.elastic.co/docs/api/doc/elasticsearch/",
    credential_fields=[
        CredentialField("url", "Cluster URL", description="For example https://es.example:9200"),
        CredentialField(
            "api_key", "API key", secret=True, required=False, description="Encoded id:key"
        ),
        CredentialField("username", "User", required=False),
        CredentialField("password", "Password", secret=True, required=False),
    ],
)

Refresh = Literal["false", "true", "wait_for"]


def _auth(ctx: ActionContext) -> dict[str, Any]:
    """Request options that authenticate: an API key header, else basic auth, else nothing."""
    headers = {"Accept": "application/json"}
    api_key = ctx.credentials.get("api_key")
    if api_key:
        return {"headers": {**headers, "Authorization": f"ApiKey {api_key}"}}
    username = ctx.credentials.get("username")
    if username:
        return {"headers": headers, "auth": (str(username), str(ctx.credential("password")))}
    return {"headers": headers}


def _path(*parts: str) -> str:
    # Patterns, lists and cross-cluster names (logs-*,alerts remote:logs) stay readable.
    return "/" + "/".join(quote(part, safe="*,:") for part in parts)


async def _send(ctx: ActionContext, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    """Status and JSON body; errors carry Elasticsearch's ``type: reason`` as their message."""
    url = f"{base_url(ctx)}{path}"
    response = await ctx.http.request(method, url, raise_for_status=False, **_auth(ctx), **kwargs)
    if response.status_code < 400:
        return response.status_code, json_of(response)
    try:
        body = response.json()
    except ValueError:
        body = {"error": response.text[:300] or response.reason_phrase}
    if response.status_code == 404 and isinstance(body, dict) and body.get("found") is False:
        return 404, body
    raise HttpError(response.status_code, _reason(body), method=method, url=url)


def _reason(body: Any) -> str:
    error = body.get("error") if isinstance(body, dict) else body
    if isinstance(error, dict):
        return f"{error.get('type')}: {error.get('reason')}"
    return str(error)[:300]


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Read the cluster's name and version."""
    _, info = await _send(ctx, "GET", "/")
    version = info.get("version", {})
    return {
        "ok": True,
        "cluster": info.get("cluster_name"),
        "version": version.get("number"),
        "distribution": version.get("distribution", "elasticsearch"),
    }


@app.action(title="Search")
async def search(
    ctx: ActionContext,
    index: str = Field(min_length=1, description="Index, alias, data stream or pattern"),
    query: dict[str, Any] | None = Field(
        None, description='Query DSL, e.g. {"term": {"source.ip": "203.0.113.7"}}'
    ),
    size: int = Field(10, ge=0, le=10000),
    offset: int = Field(0, ge=0, description="Hits to skip (the DSL's from)"),
    sort: list[Any] | None = None,
    source: list[str] | None = Field(None, description="Fields of _source to return"),
    aggregations: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run a query DSL search; returns the total, the hits and any aggregations."""
    body = compact(
        {
            "query": query or {"match_all": {}},
            "size": size,
            "from": offset,
            "sort": sort,
            "_source": source,
            "aggs": aggregations,
        }
    )
    _, result = await _send(ctx, "POST", _path(index, "_search"), json=body)
    hits = result.get("hits", {})
    total = hits.get("total", 0)
    return {
        "total": total.get("value", 0) if isinstance(total, dict) else total,
        "hits": hits.get("hits", []),
        "aggregations": result.get("aggregations", {}),
        "took_ms": result.get("took"),
    }


@app.action(title="Index document")
async def index_document(
    ctx: ActionContext,
    index: str = Field(min_length=1),
    document: dict[str, Any] = Field(description="The document's JSON source"),
    id: str | None = Field(None, description="Document id; generated when empty"),
    refresh: Refresh = Field("false", description="Make it searchable before returning"),
) -> dict[str, Any]:
    """Add (or replace, when ``id`` exists) a document in an index."""
    params = {"refresh": refresh}
    if id:
        _, result = await _send(ctx, "PUT", _path(index, "_doc", id), json=document, params=params)
    else:
        _, result = await _send(ctx, "POST", _path(index, "_doc"), json=document, params=params)
    return {key: result.get(key) for key in ("_index", "_id", "_version", "result")}


@app.action(title="Get document")
async def get_document(
    ctx: ActionContext, index: str = Field(min_length=1), id: str = Field(min_length=1)
) -> dict[str, Any]:
    """Fetch one document by id; ``found: false`` when the index has no such document."""
    status, body = await _send(ctx, "GET", _path(index, "_doc", id))
    if status == 404:
        return {"found": False, "_index": body.get("_index", index), "_id": id}
    return {"found": True, **body}
