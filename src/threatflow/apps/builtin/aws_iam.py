"""AWS IAM: list, deactivate and reactivate a user's access keys (Query API, SigV4-signed).

IAM is a global service signed for ``us-east-1`` (other partitions set ``region`` and the
endpoint URLs). Requests are form-encoded POSTs with ``Action`` and ``Version``; answers and
errors are XML. AWS answers throttling with 400, so a ``Throttling`` error is marked
retryable by its code, not its status. Signature Version 4 is implemented here with
``hmac`` and ``hashlib`` and checked against AWS's published test vectors.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import httpx
from pydantic import Field

from threatflow.apps.builtin._common import base_url
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ActionError, HttpError

app = App(
    "aws_iam",
    title="AWS IAM",
    category=Category.IAM,
    description="Deactivate (and reactivate) IAM access keys of a compromised user.",
    docs_url="https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAccessKey.html",
    credential_fields=[
        CredentialField("access_key_id", "Access key id"),
        CredentialField("secret_access_key", "Secret access key", secret=True),
        CredentialField("session_token", "Session token", secret=True, required=False),
        CredentialField("region", "Signing region", required=False, default="us-east-1"),
        CredentialField("iam_url", "IAM endpoint", required=False, default="https://iam.amazonaws.com"),
        CredentialField("sts_url", "STS endpoint", required=False, default="https://sts.amazonaws.com"),
    ],
)  # fmt: skip

IAM_VERSION = "2010-05-08"
STS_VERSION = "2011-06-15"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
RETRYABLE_CODES = {"Throttling", "ThrottlingException", "RequestLimitExceeded", "ServiceFailure"}
ACCESS_KEY_ID = Field(pattern=r"^[A-Z0-9]{16,128}$", description="Access key id (AKIA...)")


@dataclass(frozen=True, slots=True)
class SigningKey:
    """What SigV4 needs besides the request: key pair, region and service."""

    access_key_id: str
    secret_access_key: str
    region: str
    service: str


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _canonical_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(f"{k}={v}" for k, v in sorted((_encode(k), _encode(v)) for k, v in pairs))


def signature(
    key: SigningKey, method: str, url: str, headers: Mapping[str, str], body: bytes, amz_date: str
) -> tuple[str, str]:
    """The SigV4 signature of a request and its signed-header list.

    ``headers`` are the headers to sign; they must include ``host`` and ``x-amz-date``.
    """
    parsed = httpx.URL(url)
    canonical = {
        name.lower(): re.sub(r"\s+", " ", value.strip()) for name, value in headers.items()
    }
    signed = ";".join(sorted(canonical))
    request = "\n".join(
        [
            method.upper(),
            parsed.raw_path.decode().split("?")[0] or "/",
            _canonical_query(parsed.query.decode()),
            "".join(f"{name}:{canonical[name]}\n" for name in sorted(canonical)),
            signed,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{amz_date[:8]}/{key.region}/{key.service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(request.encode()).hexdigest()]
    )
    signing = _hmac(("AWS4" + key.secret_access_key).encode(), amz_date[:8])
    for part in (key.region, key.service, "aws4_request"):
        signing = _hmac(signing, part)
    return hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest(), signed


def authorization(
    key: SigningKey, method: str, url: str, headers: Mapping[str, str], body: bytes, amz_date: str
) -> str:
    """The ``Authorization`` header value for a request signed with SigV4."""
    sig, signed = signature(key, method, url, headers, body, amz_date)
    scope = f"{amz_date[:8]}/{key.region}/{key.service}/aws4_request"
    return (
        f"AWS4-HMAC-SHA256 Credential={key.access_key_id}/{scope}, "
        f"SignedHeaders={signed}, Signature={sig}"
    )


def _signing_key(ctx: ActionContext, service: str) -> SigningKey:
    return SigningKey(
        str(ctx.credential("access_key_id")),
        str(ctx.credential("secret_access_key")),
        str(ctx.credentials.get("region") or "us-east-1"),
        service,
    )


async def _query(ctx: ActionContext, service: str, params: dict[str, str]) -> ET.Element:
    """POST one signed Query API call; the parsed XML answer, or an :class:`HttpError`."""
    field, default = f"{service}_url", f"https://{service}.amazonaws.com"
    url = base_url(ctx, field, default) + "/"
    body = urlencode(params).encode()
    amz_date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    headers = {"content-type": FORM, "host": httpx.URL(url).netloc.decode(), "x-amz-date": amz_date}
    if ctx.credentials.get("session_token"):
        headers["x-amz-security-token"] = str(ctx.credentials["session_token"])
    key = _signing_key(ctx, service)
    headers["authorization"] = authorization(key, "POST", url, headers, body, amz_date)
    del headers["host"]  # httpx sends the same value itself
    response = await ctx.http.post(url, content=body, headers=headers, raise_for_status=False)
    root = _xml(response)
    if response.status_code >= 400:
        raise _error(response, root, params["Action"], url)
    return root


def _xml(response: httpx.Response) -> ET.Element:
    try:
        return ET.fromstring(response.content)
    except ET.ParseError:
        if response.status_code >= 400:
            return ET.Element("Empty")
        raise ActionError(
            "AWS answered with something that is not XML", error_type="vendor"
        ) from None


def _error(response: httpx.Response, root: ET.Element, action: str, url: str) -> HttpError:
    code = root.findtext(".//{*}Error/{*}Code") or response.reason_phrase
    message = root.findtext(".//{*}Error/{*}Message") or response.text[:200]
    error = HttpError(response.status_code, f"{code}: {message}", method="POST", url=url)
    if code in RETRYABLE_CODES:
        error.retryable = True
    error.details["code"] = code
    error.details["action"] = action
    return error


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Identify the caller with STS GetCallerIdentity (needs no permission)."""
    root = await _query(ctx, "sts", {"Action": "GetCallerIdentity", "Version": STS_VERSION})
    return {
        "ok": True,
        "account": root.findtext(".//{*}Account"),
        "arn": root.findtext(".//{*}Arn"),
        "user_id": root.findtext(".//{*}UserId"),
    }


@app.action(title="List access keys")
async def list_access_keys(
    ctx: ActionContext,
    user_name: str | None = Field(None, description="IAM user; the caller when empty"),
) -> dict[str, Any]:
    """Access key ids of a user with their status and creation date."""
    params = {"Action": "ListAccessKeys", "Version": IAM_VERSION}
    if user_name:
        params["UserName"] = user_name
    root = await _query(ctx, "iam", params)
    keys = [
        {
            "access_key_id": member.findtext("{*}AccessKeyId"),
            "status": member.findtext("{*}Status"),
            "user_name": member.findtext("{*}UserName"),
            "create_date": member.findtext("{*}CreateDate"),
        }
        for member in root.iterfind(".//{*}AccessKeyMetadata/{*}member")
    ]
    return {"count": len(keys), "access_keys": keys}


async def _set_status(
    ctx: ActionContext, access_key_id: str, user_name: str | None, status: str
) -> dict[str, Any]:
    params = {
        "Action": "UpdateAccessKey",
        "Version": IAM_VERSION,
        "AccessKeyId": access_key_id,
        "Status": status,
    }
    if user_name:
        params["UserName"] = user_name
    root = await _query(ctx, "iam", params)
    request_id = root.findtext(".//{*}RequestId")
    return {"access_key_id": access_key_id, "status": status, "request_id": request_id}


@app.action(title="Deactivate access key")
async def deactivate_access_key(
    ctx: ActionContext,
    access_key_id: str = ACCESS_KEY_ID,
    user_name: str | None = Field(None, description="Owner of the key; the caller when empty"),
) -> dict[str, Any]:
    """Set an access key to Inactive: API calls signed with it fail from now on."""
    return await _set_status(ctx, access_key_id, user_name, "Inactive")


@app.action(title="Activate access key")
async def activate_access_key(
    ctx: ActionContext,
    access_key_id: str = ACCESS_KEY_ID,
    user_name: str | None = Field(None, description="Owner of the key; the caller when empty"),
) -> dict[str, Any]:
    """Set an access key back to Active (undo of a deactivation)."""
    return await _set_status(ctx, access_key_id, user_name, "Active")
