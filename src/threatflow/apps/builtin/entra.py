"""Microsoft Entra ID (Azure AD) through Microsoft Graph v1.0: contain a user account.

The app authenticates as an application registration with the client-credentials grant
(``{authority}/{tenant}/oauth2/v2.0/token``, scope ``{graph}/.default``); the token is
cached until it expires. Authority and Graph URLs are settings, for national clouds. The
application needs ``User.ReadWrite.All`` (disable, enable) and ``User.RevokeSessions.All``
(revoke sessions) or an equivalent directory role.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from pydantic import Field

from threatflow.apps.builtin._common import TokenCache, base_url, cache_key, json_of
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField

app = App(
    "entra",
    title="Microsoft Entra ID",
    category=Category.IAM,
    description="Disable or enable users and revoke their sessions through Microsoft Graph.",
    docs_url="https://learn.microsoft.com/graph/api/resources/user?view=graph-rest-1.0",
    credential_fields=[
        CredentialField("tenant_id", "Tenant id"),
        CredentialField("client_id", "Application (client) id"),
        CredentialField("client_secret", "Client secret", secret=True),
        CredentialField(
            "authority_url", "Authority URL", required=False,
            default="https://login.microsoftonline.com",
        ),
        CredentialField(
            "graph_url", "Graph URL", required=False, default="https://graph.microsoft.com"
        ),
    ],
)  # fmt: skip

TOKENS = TokenCache()
USER = Field(min_length=1, description="User id (GUID) or user principal name")
USER_FIELDS = "id,displayName,userPrincipalName,mail,accountEnabled,jobTitle,department"


def _graph(ctx: ActionContext) -> str:
    return base_url(ctx, "graph_url", "https://graph.microsoft.com")


async def _token(ctx: ActionContext) -> tuple[str, float]:
    authority = base_url(ctx, "authority_url", "https://login.microsoftonline.com")
    tenant = quote(str(ctx.credential("tenant_id")), safe="")
    form = {
        "grant_type": "client_credentials",
        "client_id": str(ctx.credential("client_id")),
        "client_secret": str(ctx.credential("client_secret")),
        "scope": f"{_graph(ctx)}/.default",
    }
    body = json_of(await ctx.http.post(f"{authority}/{tenant}/oauth2/v2.0/token", data=form))
    return str(body["access_token"]), float(body.get("expires_in", 3599))


async def _call(ctx: ActionContext, method: str, path: str, **kwargs: Any) -> httpx.Response:
    creds = ctx.credentials
    key = cache_key(
        creds.get("authority_url"), creds.get("tenant_id"), creds.get("client_id"),
        creds.get("client_secret"), _graph(ctx),
    )  # fmt: skip
    url = f"{_graph(ctx)}/v1.0{path}"

    async def send(token: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        return await ctx.http.request(method, url, headers=headers, **kwargs)

    return await TOKENS.call(key, lambda: _token(ctx), send)


def _user(user: str, tail: str = "") -> str:
    return f"/users/{quote(user, safe='@')}{tail}"


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Obtain a token and read one user (needs User.Read.All)."""
    body = json_of(await _call(ctx, "GET", "/users", params={"$top": "1", "$select": "id"}))
    return {"ok": True, "sample_users": len(body.get("value", []))}


@app.action(title="Get user")
async def get_user(ctx: ActionContext, user: str = USER) -> dict[str, Any]:
    """Identity, e-mail, department and whether the account is enabled."""
    response = await _call(ctx, "GET", _user(user), params={"$select": USER_FIELDS})
    found: dict[str, Any] = json_of(response)
    found.pop("@odata.context", None)
    return found


async def _set_enabled(ctx: ActionContext, user: str, enabled: bool) -> dict[str, Any]:
    await _call(ctx, "PATCH", _user(user), json={"accountEnabled": enabled})
    return {"user": user, "account_enabled": enabled}


@app.action(title="Disable user")
async def disable_user(ctx: ActionContext, user: str = USER) -> dict[str, Any]:
    """Block sign-in (accountEnabled = false); pair with revoke sessions."""
    return await _set_enabled(ctx, user, False)


@app.action(title="Enable user")
async def enable_user(ctx: ActionContext, user: str = USER) -> dict[str, Any]:
    """Allow sign-in again."""
    return await _set_enabled(ctx, user, True)


@app.action(title="Revoke sessions")
async def revoke_sessions(ctx: ActionContext, user: str = USER) -> dict[str, Any]:
    """Invalidate the user's refresh tokens and session cookies (takes effect within minutes)."""
    body = json_of(await _call(ctx, "POST", _user(user, "/revokeSignInSessions")))
    return {"user": user, "revoked": bool(body.get("value", False))}
