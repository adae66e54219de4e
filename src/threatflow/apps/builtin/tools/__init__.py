"""The ``tools`` app: everyday data utilities for workflows, with no external service.

Pure actions (values, lists, IOCs, hashes, dates) run without credentials;
``http_request`` calls any HTTP API and returns the answer instead of raising on 4xx, so a
workflow can branch on the status.
"""

from __future__ import annotations

import asyncio
import base64 as b64
import binascii
import hashlib
import json as jsonlib
import re
from datetime import UTC, datetime
from typing import Any, Literal

import regex
from pydantic import Field

from threatflow.apps.builtin._httpkit import http_error, http_for, response_body
from threatflow.apps.builtin.tools._iocs import extract_iocs
from threatflow.apps.builtin.tools._time import describe, parse_moment, shift, zone
from threatflow.apps.builtin.tools._values import (
    Operator,
    ValueType,
    as_list,
    coerce,
    dedupe_key,
    invalid,
    make_check,
    split_items,
)
from threatflow.apps.sdk import ActionContext, App, Category
from threatflow.engine.filters import REGEX_SECONDS

__all__ = ["app"]

MAX_SLEEP_SECONDS = 300

app = App(
    "tools",
    title="Tools",
    category=Category.TOOLS,
    description="Data utilities: values, list filters, regular expressions, IOC extraction, "
    "hashes, Base64, dates, pauses and generic HTTP requests.",
)


@app.action(title="Repeat back")
async def repeat_back(value: Any) -> Any:
    """Return ``value`` unchanged (handy to shape or inspect data between steps)."""
    return value


@app.action(title="Set value")
async def set_value(value: Any, as_type: ValueType = "auto") -> Any:
    """Return ``value``, converted to ``as_type`` (string, number, integer, boolean, json).

    Templates render to text, so ``as_type`` turns ``"42"`` back into ``42`` or a JSON
    string into an object; ``auto`` keeps the value as given.
    """
    return coerce(value, as_type)


@app.action(title="Filter list")
def filter_list(
    items: list[Any] | str,
    field: str = "",
    operator: Operator = "equals",
    value: Any = None,
    case_sensitive: bool = True,
    negate: bool = False,
) -> dict[str, list[Any]]:
    """Split ``items`` on a condition about each item's ``field`` (a dotted path).

    An empty ``field`` tests the item itself. Numbers given as text compare as numbers;
    ``in`` tests membership in ``value`` (a list or a text); ``regex`` searches the value.
    Returns ``{"valid": [...], "invalid": [...]}``; ``negate`` swaps the two.
    """
    check = make_check(operator, value, case_sensitive)
    return split_items(as_list(items, "items"), field, check, negate)


@app.action(title="Capture with a regular expression")
def regex_capture(
    text: Any, pattern: str, ignore_case: bool = False, multiline: bool = False
) -> dict[str, Any]:
    """Every match of ``pattern`` in ``text``, with its groups and named groups."""
    flags = (regex.IGNORECASE if ignore_case else 0) | (regex.MULTILINE if multiline else 0)
    try:
        compiled = regex.compile(pattern, flags)
    except regex.error as exc:
        raise invalid("pattern", f"invalid regular expression: {exc}") from None
    subject = text if isinstance(text, str) else jsonlib.dumps(text, default=str)
    try:
        matches = [
            {
                "match": found.group(0),
                "groups": list(found.groups()),
                "named": found.groupdict(),
                "start": found.start(),
                "end": found.end(),
            }
            for found in compiled.finditer(subject, timeout=REGEX_SECONDS)
        ]
    except TimeoutError:
        raise invalid("pattern", f"the regular expression took more than {REGEX_SECONDS:g} s; "
                      "make it less ambiguous (nested repeats)") from None
    return {"matches": matches, "count": len(matches)}


@app.action(title="Parse IOCs")
def parse_iocs(data: Any) -> dict[str, Any]:
    """Find indicators in text or any JSON value, refanged and deduplicated.

    Returns lists ``ipv4``, ``ipv6``, ``domains``, ``urls``, ``emails``, ``md5``, ``sha1``,
    ``sha256``, ``cves`` and their total ``count``.
    """
    return extract_iocs(data)


@app.action(title="Merge lists")
async def merge_lists(lists: list[Any], key: str = "", dedupe: bool = True) -> list[Any]:
    """Concatenate lists, keeping the first of equal items and the original order.

    Items may be objects; with ``key`` (a dotted path) objects are equal when that field is.
    A non-list entry counts as a one-item list.
    """
    merged: list[Any] = []
    seen: set[str] = set()
    for index, entry in enumerate(lists):
        part = as_list(entry, f"lists.{index}") if isinstance(entry, list | str) else [entry]
        for item in part:
            identity = dedupe_key(item, key)
            if dedupe and identity in seen:
                continue
            seen.add(identity)
            merged.append(item)
    return merged


@app.action("datetime", title="Date and time")
async def datetime_action(
    operation: Literal["now", "parse", "format", "add"] = "now",
    value: str | float | None = None,
    parse_format: str = "",
    output_format: str = "",
    timezone: str = "UTC",
    days: float = 0,
    hours: float = 0,
    minutes: float = 0,
    seconds: float = 0,
) -> dict[str, Any]:
    """Now, parse, format or shift a moment; every operation returns the same shape.

    ``value`` is epoch seconds (or milliseconds), ISO 8601, RFC 2822, or text read with
    ``parse_format`` (strptime); ``now`` is used when it is empty. ``add`` moves it by
    ``days``/``hours``/``minutes``/``seconds``; ``output_format`` (strftime) adds
    ``formatted``. Result: ``{"iso", "epoch", "epoch_ms", "timezone", "formatted"?}``.
    """
    tz = zone(timezone)
    if operation == "parse" and value in (None, ""):
        raise invalid("value", "parse needs a value")
    empty = operation == "now" or value in (None, "")
    moment = datetime.now(UTC) if empty else parse_moment(value, parse_format, tz)
    if operation == "add":
        moment = shift(moment, days, hours, minutes, seconds)
    return describe(moment, output_format, tz)


@app.action("hash", title="Hash text")
async def hash_text(
    text: str, algorithm: Literal["md5", "sha1", "sha256", "sha512"] = "sha256"
) -> str:
    """The hexadecimal digest of ``text`` (UTF-8)."""
    return hashlib.new(algorithm, text.encode("utf-8")).hexdigest()


@app.action("base64", title="Base64")
async def base64_action(
    value: str, operation: Literal["encode", "decode"] = "encode", url_safe: bool = False
) -> str:
    """Encode UTF-8 text to Base64, or decode Base64 to UTF-8 text (padding optional)."""
    if operation == "encode":
        encoder = b64.urlsafe_b64encode if url_safe else b64.standard_b64encode
        return encoder(value.encode("utf-8")).decode("ascii")
    padded = value.strip() + "=" * (-len(value.strip()) % 4)
    altchars = b"-_" if url_safe else None
    try:
        return b64.b64decode(padded.encode("ascii"), altchars, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeEncodeError):
        raise invalid("value", "not valid Base64") from None
    except UnicodeDecodeError:
        raise invalid("value", "the decoded bytes are not UTF-8 text") from None


@app.action(title="Sleep")
async def sleep(
    seconds: float = Field(ge=0, le=MAX_SLEEP_SECONDS),
) -> dict[str, float]:
    """Pause the step for ``seconds`` (at most 300; use a schedule for longer waits)."""
    await asyncio.sleep(seconds)
    return {"slept": seconds}


HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


@app.action(title="HTTP request")
async def http_request(
    ctx: ActionContext,
    url: str,
    method: HttpMethod = "GET",
    headers: dict[str, str] | None = None,
    query: dict[str, Any] | None = None,
    json_body: Any = Field(default=None, alias="json"),
    body: str | None = None,
    timeout_seconds: float = Field(default=30, gt=0, le=300),
    verify_tls: bool = True,
    follow_redirects: bool = True,
    fail_on_error: bool = False,
) -> dict[str, Any]:
    """Call any HTTP API; returns ``{"status", "headers", "body"}``.

    ``body`` is parsed JSON when the answer says it is JSON, else text. Error statuses are
    returned like any other unless ``fail_on_error`` is set; network failures always raise
    a retryable ``connection`` (or ``timeout``) error. Send either ``json`` or ``body``.
    """
    if not re.match(r"https?://", url, re.IGNORECASE):
        raise invalid("url", "must start with http:// or https://")
    if json_body is not None and body is not None:
        raise invalid("body", "give either json or body, not both")
    request: dict[str, Any] = {"headers": headers, "params": query, "timeout": timeout_seconds}
    request["follow_redirects"] = follow_redirects
    if json_body is not None:
        request["json"] = json_body
    elif body is not None:
        request["content"] = body.encode("utf-8")
    async with http_for(ctx, verify=verify_tls) as http:
        response = await http.request(method, url, raise_for_status=False, **request)
    if fail_on_error and response.status_code >= 400:
        raise http_error(response)
    return {
        "status": response.status_code,
        "headers": dict(response.headers),
        "body": response_body(response),
    }
