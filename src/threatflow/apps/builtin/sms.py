"""A generic HTTP SMS gateway: any provider that takes a number and a text over HTTP.

The credential describes the gateway: URL, method, a body template with ``{to}`` and
``{message}`` placeholders, its content type and one authentication header. Values are escaped
for where they land (JSON string, form field, URL query), so a message cannot break out of
its place in the template.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

from pydantic import Field

from threatflow.apps.builtin._netcommon import params_problem, setting
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ActionError

app = App(
    "sms",
    title="SMS gateway (HTTP)",
    category=Category.COMMUNICATION,
    description="Send SMS through any HTTP gateway described by a URL and a body template.",
    credential_fields=[
        CredentialField(
            "url",
            title="Gateway URL",
            description="May hold {to} and {message} in its query for GET gateways; put API "
            "keys in the auth header rather than in the URL",
        ),
        CredentialField("method", required=False, default="POST", description="POST, PUT or GET"),
        CredentialField(
            "body_template",
            required=False,
            default='{"to": "{to}", "message": "{message}"}',
            description="Request body with {to} and {message} placeholders (ignored for GET)",
        ),
        CredentialField(
            "content_type",
            required=False,
            default="application/json",
            description="application/json, application/x-www-form-urlencoded or text/plain",
        ),
        CredentialField("auth_header", required=False, default="Authorization"),
        CredentialField(
            "auth_value", secret=True, required=False, description="e.g. 'Bearer KEY' or 'KEY'"
        ),
    ],
)

_PLACEHOLDER = re.compile(r"\{(to|message)\}")
_NUMBER = re.compile(r"^\+?\d{6,15}$")
_METHODS = {"GET", "POST", "PUT"}


Escape = Callable[[str], str]


def _escape(content_type: str) -> Escape:
    if "json" in content_type:
        return lambda value: json.dumps(value)[1:-1]
    if "x-www-form-urlencoded" in content_type:
        return quote_plus
    return lambda value: value


def render(template: str, values: dict[str, str], escape: Escape) -> str:
    """Replace ``{to}`` and ``{message}`` in one pass (a message saying "{to}" stays as is)."""
    return _PLACEHOLDER.sub(lambda match: escape(values[match.group(1)]), template)


def _number(to: str) -> str:
    cleaned = re.sub(r"[\s().-]", "", to)
    if not _NUMBER.match(cleaned):
        raise params_problem("to", "not a phone number (digits, optional leading +)")
    return cleaned


def _request(ctx: ActionContext, values: dict[str, str]) -> dict[str, Any]:
    method = setting(ctx, "method", "POST").upper()
    if method not in _METHODS:
        raise ActionError(f"unsupported gateway method {method!r}", error_type="credential")
    url = render(str(ctx.credential("url")), values, lambda value: quote(value, safe=""))
    headers: dict[str, str] = {}
    auth = str(ctx.credentials.get("auth_value") or "")
    if auth:
        headers[setting(ctx, "auth_header", "Authorization")] = auth
    request: dict[str, Any] = {"method": method, "url": url, "headers": headers}
    if method != "GET":
        content_type = setting(ctx, "content_type", "application/json")
        template = setting(ctx, "body_template", '{"to": "{to}", "message": "{message}"}')
        body = render(template, values, _escape(content_type))
        if "json" in content_type:
            _check_json(body)
        headers["Content-Type"] = content_type
        request["content"] = body.encode()
    return request


def _check_json(body: str) -> None:
    try:
        json.loads(body)
    except ValueError:
        raise ActionError(
            'body_template does not render to JSON; quote the placeholders: "{to}"',
            error_type="credential",
        ) from None


@app.action(title="Send SMS")
async def send_sms(
    ctx: ActionContext,
    to: str = Field(min_length=6, max_length=32, description="Phone number, E.164 preferred"),
    message: str = Field(min_length=1, max_length=1600),
) -> dict[str, Any]:
    """Send one SMS; the gateway's answer is returned as JSON when it is JSON."""
    request = _request(ctx, {"to": _number(to), "message": message})
    response = await ctx.http.request(request.pop("method"), request.pop("url"), **request)
    try:
        answer: Any = response.json()
    except ValueError:
        answer = response.text[:500]
    return {"sent": True, "status": response.status_code, "response": answer}
