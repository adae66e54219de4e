"""Microsoft Teams: post Adaptive Card messages to a channel through a webhook URL.

Works with both kinds of URL Teams hands out: a Power Automate / Workflows "when a Teams
webhook request is received" trigger (answers 202) and a legacy Office 365 connector incoming
webhook (answers 200). Both take the same message envelope: ``{"type": "message",
"attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", ...}]}``.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import Field

from threatflow.apps.builtin._netcommon import params_problem, vendor_error
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField

app = App(
    "teams",
    title="Microsoft Teams",
    category=Category.COMMUNICATION,
    description="Post Adaptive Cards to a Teams channel through a workflow or webhook URL.",
    docs_url="https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/"
    "how-to/add-incoming-webhook",
    credential_fields=[
        CredentialField(
            "webhook_url",
            title="Workflow or webhook URL",
            secret=True,
            description="The URL contains its own signature: keep it secret",
        )
    ],
)

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"  # the highest version Teams renders on every client


def envelope(card: dict[str, Any]) -> dict[str, Any]:
    """Wrap an Adaptive Card in the message envelope Teams webhooks expect."""
    attachment = {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "contentUrl": None,
        "content": card,
    }
    return {"type": "message", "attachments": [attachment]}


def build_card(
    text: str,
    title: str = "",
    facts: dict[str, str] | None = None,
    link_url: str = "",
    link_title: str = "Open",
) -> dict[str, Any]:
    """A simple card: optional bold title, wrapped text, a fact set and one link button."""
    body: list[dict[str, Any]] = []
    if title:
        body.append(
            {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True}
        )
    body.append({"type": "TextBlock", "text": text, "wrap": True})
    if facts:
        pairs = [{"title": k, "value": str(v)} for k, v in facts.items()]
        body.append({"type": "FactSet", "facts": pairs})
    card: dict[str, Any] = {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body,
    }
    if link_url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": link_title, "url": link_url}]
    return card


async def _post(ctx: ActionContext, payload: dict[str, Any]) -> dict[str, Any]:
    # The signature travels in the query string; passing it as params keeps it out of the
    # URL that the HTTP client writes to the log.
    url, _, query = str(ctx.credential("webhook_url")).partition("?")
    response = await ctx.http.post(url, params=httpx.QueryParams(query), json=payload)
    status = response.status_code
    if not response.is_success:
        raise vendor_error(f"Teams answered HTTP {status}", status=status)
    return {"delivered": True, "status": status}


@app.action(title="Send message")
async def send_message(
    ctx: ActionContext,
    text: str = Field(min_length=1, max_length=20000),
    title: str = "",
    facts: dict[str, str] | None = None,
    link_url: str = Field(default="", pattern=r"^(https?://\S+)?$"),
    link_title: str = "Open",
) -> dict[str, Any]:
    """Post a card with a title, text, key/value facts and an optional link button."""
    card = build_card(text, title, facts, link_url, link_title)
    return await _post(ctx, envelope(card))


@app.action(title="Send Adaptive Card")
async def send_card(
    ctx: ActionContext,
    card: dict[str, Any] = Field(description="An Adaptive Card (type AdaptiveCard)"),
) -> dict[str, Any]:
    """Post an Adaptive Card designed elsewhere (for example in the Adaptive Cards designer)."""
    if card.get("type") != "AdaptiveCard":
        raise params_problem("card.type", "must be 'AdaptiveCard'")
    card.setdefault("$schema", CARD_SCHEMA)
    card.setdefault("version", CARD_VERSION)
    return await _post(ctx, envelope(card))
