"""Keycloak admin REST API: find, disable and enable users, end sessions, reset credentials.

An access token comes from ``/realms/{auth_realm}/protocol/openid-connect/token``, with the
client-credentials grant (a confidential client with the realm-management roles) or, when a
username is set, the password grant (``admin-cli`` by default); it is cached until it
expires. Admin calls go to ``/admin/realms/{realm}/...``. For Keycloak 16 and older, put the
``/auth`` prefix in the URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from pydantic import Field

from threatflow.apps.builtin._common import (
    TokenCache,
    base_url,
    cache_key,
    json_of,
    params_error,
)
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ActionError

app = App(
    "keycloak",
    title="Keycloak",
    category=Category.IAM,
    description="Contain an account: disable it, log it out everywhere, force a password reset.",
    docs_url="https://www.keycloak.org/docs-api/latest/rest-api/index.html",
    credential_fields=[
        CredentialField("url", "Keycloak URL", description="For example https://sso.example.org"),
        CredentialField("realm", "Realm of the users"),
        CredentialField(
            "auth_realm", "Realm of the admin client", required=False, default="master"
        ),
        CredentialField("client_id", "Client id", required=False, default="admin-cli"),
        CredentialField("client_secret", "Client secret", secret=True, required=False),
        CredentialField("username", "Admin user (password grant)", required=False),
        CredentialField("password", "Admin password", secret=True, required=False),
    ],
)

TOKENS = TokenCache()
USER_ID = Field(min_length=1, description="Keycloak user id (UUID)")


def _grant(ctx: ActionContext) -> dict[str, str]:
    client_id = str(ctx.credentials.get("client_id") or "admin-cli")
    form = {"client_id": client_id}
    if ctx.credentials.get("client_secret"):
        form["client_secret"] = str(ctx.credentials["client_secret"])
    if ctx.credentials.get("username"):
        form |= {
            "grant_type": "password",
            "username": str(ctx.credentials["username"]),
            "password": str(ctx.credential("password")),
        }
    elif "client_secret" in form:
        form["grant_type"] = "client_credentials"
    else:
        raise ActionError(
            "set client_secret (client credentials) or username and password",
            error_type="credential",
        )
    return form


async def _token(ctx: ActionContext) -> tuple[str, float]:
    realm = quote(str(ctx.credentials.get("auth_realm") or "master"), safe="")
    url = f"{base_url(ctx)}/realms/{realm}/protocol/openid-connect/token"
    body = json_of(await ctx.http.post(url, data=_grant(ctx)))
    return str(body["access_token"]), float(body.get("expires_in", 60))


async def _admin(ctx: ActionContext, method: str, path: str, **kwargs: Any) -> httpx.Response:
    realm = quote(str(ctx.credential("realm")), safe="")
    url = f"{base_url(ctx)}/admin/realms/{realm}{path}"
    creds = ctx.credentials
    key = cache_key(
        base_url(ctx), creds.get("auth_realm"), creds.get("client_id"),
        creds.get("client_secret"), creds.get("username"), creds.get("password"),
    )  # fmt: skip

    async def send(token: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        return await ctx.http.request(method, url, headers=headers, **kwargs)

    return await TOKENS.call(key, lambda: _token(ctx), send)


def _user_path(user_id: str, tail: str = "") -> str:
    return f"/users/{quote(user_id, safe='')}{tail}"


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Obtain a token and count the realm's users (needs the view-users role)."""
    count = json_of(await _admin(ctx, "GET", "/users/count"))
    return {"ok": True, "users": count}


@app.action(title="Find user")
async def find_user(
    ctx: ActionContext,
    username: str | None = Field(None, description="Exact username"),
    email: str | None = Field(None, description="Exact e-mail address"),
    search: str | None = Field(None, description="Substring of username, name or e-mail"),
    max_results: int = Field(20, ge=1, le=1000),
) -> dict[str, Any]:
    """Find users by exact username or e-mail, or by a search string."""
    params: dict[str, Any] = {"max": max_results, "briefRepresentation": "true"}
    if username:
        params |= {"username": username, "exact": "true"}
    elif email:
        params |= {"email": email, "exact": "true"}
    elif search:
        params["search"] = search
    else:
        raise params_error("username", "give a username, an email or a search string")
    users = json_of(await _admin(ctx, "GET", "/users", params=params))
    return {"count": len(users), "users": users}


async def _set_enabled(ctx: ActionContext, user_id: str, enabled: bool) -> dict[str, Any]:
    # A partial UserRepresentation: Keycloak only updates the fields it is given.
    await _admin(ctx, "PUT", _user_path(user_id), json={"enabled": enabled})
    return {"user_id": user_id, "enabled": enabled}


@app.action(title="Disable user")
async def disable_user(ctx: ActionContext, user_id: str = USER_ID) -> dict[str, Any]:
    """Disable an account so it can no longer log in (existing sessions stay; log them out)."""
    return await _set_enabled(ctx, user_id, False)


@app.action(title="Enable user")
async def enable_user(ctx: ActionContext, user_id: str = USER_ID) -> dict[str, Any]:
    """Enable an account again."""
    return await _set_enabled(ctx, user_id, True)


@app.action(title="Log out all sessions")
async def logout_user(ctx: ActionContext, user_id: str = USER_ID) -> dict[str, Any]:
    """End every session of a user, revoking their refresh tokens."""
    await _admin(ctx, "POST", _user_path(user_id, "/logout"))
    return {"user_id": user_id, "logged_out": True}


@app.action(title="Reset password")
async def reset_password(
    ctx: ActionContext,
    user_id: str = USER_ID,
    new_password: str = Field(min_length=1, description="The new password"),
    temporary: bool = Field(True, description="Force a change at next login"),
) -> dict[str, Any]:
    """Set a new password, by default one the user must change at next login."""
    credential = {"type": "password", "value": new_password, "temporary": temporary}
    await _admin(ctx, "PUT", _user_path(user_id, "/reset-password"), json=credential)
    return {"user_id": user_id, "temporary": temporary}


@app.action(title="Require credential update by e-mail")
async def send_update_credentials_email(
    ctx: ActionContext,
    user_id: str = USER_ID,
    actions: list[str] = Field(
        default_factory=lambda: ["UPDATE_PASSWORD"],
        description="Required actions, e.g. UPDATE_PASSWORD, CONFIGURE_TOTP",
    ),
    lifespan: int = Field(43200, ge=60, description="Seconds the e-mailed link stays valid"),
) -> dict[str, Any]:
    """E-mail the user a link to reset their credentials (password, OTP...)."""
    path = _user_path(user_id, "/execute-actions-email")
    await _admin(ctx, "PUT", path, json=actions, params={"lifespan": lifespan})
    return {"user_id": user_id, "actions": actions}


@app.action(title="Remove from group")
async def remove_from_group(
    ctx: ActionContext,
    user_id: str = USER_ID,
    group: str = Field(min_length=1, description="Group id, name or path (/admins)"),
) -> dict[str, Any]:
    """Take a user out of a group (and so out of its roles)."""
    groups = json_of(await _admin(ctx, "GET", _user_path(user_id, "/groups")))
    match = next((g for g in groups if group in (g.get("id"), g.get("name"), g.get("path"))), None)
    if match is None:
        return {"user_id": user_id, "group": group, "removed": False, "was_member": False}
    await _admin(ctx, "DELETE", _user_path(user_id, f"/groups/{quote(match['id'], safe='')}"))
    return {"user_id": user_id, "group": match.get("path", group), "removed": True}
