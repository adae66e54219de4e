"""Palo Alto Networks PAN-OS: block IPs by tagging them for a dynamic address group.

A dynamic address group that matches a tag (``threatflow-block``) and a deny rule that uses
the group are configured once; the actions then register and unregister IP-to-tag mappings
with the XML API's ``type=user-id`` request, which takes effect without a commit. The current
mappings are read with ``show object registered-ip`` so blocking stays idempotent.

Responses are XML: ``<response status="success|error">``. They are parsed with defusedxml.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # only to build requests; answers go through defusedxml
from typing import Any

import httpx
from defusedxml import ElementTree as SafeET
from pydantic import Field, IPvAnyNetwork

from threatflow.apps.builtin._netcommon import (
    address_text,
    base_url,
    blockable,
    same_target,
    setting,
    vendor_error,
)
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import HttpError

app = App(
    "panos",
    title="Palo Alto Networks PAN-OS",
    category=Category.NETWORK,
    description="Block IPs with dynamic address groups (XML API User-ID tag registration).",
    docs_url="https://docs.paloaltonetworks.com/pan-os/11-1/pan-os-panorama-api/"
    "pan-os-xml-api-request-types/apply-user-id-mapping-and-populate-dynamic-address-groups-api",
    credential_fields=[
        CredentialField("base_url", description="https://FIREWALL"),
        CredentialField("api_key", secret=True, description="XML API key (type=keygen)"),
        CredentialField("vsys", required=False, default="vsys1"),
        CredentialField("tag", required=False, default="threatflow-block"),
    ],
)

_TAG = r"^([A-Za-z0-9_.\-]{1,127})?$"


def _tag(ctx: ActionContext, tag: str) -> str:
    return tag or setting(ctx, "tag", "threatflow-block")


async def _xml_api(ctx: ActionContext, request: dict[str, str]) -> ET.Element:
    """POST one XML API request (key in the form body, never in the URL) and parse it."""
    form = {**request, "key": str(ctx.credential("api_key"))}
    response = await ctx.http.post(f"{base_url(ctx)}/api/", data=form, raise_for_status=False)
    root = _parse(response)
    if response.status_code >= 400:
        raise HttpError(response.status_code, _message(root), method="POST", url="/api/")
    if root.get("status") != "success":
        raise vendor_error(f"PAN-OS refused the request: {_message(root)}", code=root.get("code"))
    return root


def _parse(response: httpx.Response) -> ET.Element:
    try:
        root: ET.Element = SafeET.fromstring(response.content)
    except (ET.ParseError, ValueError):
        if response.status_code >= 400:
            raise HttpError(response.status_code, response.text[:300]) from None
        raise vendor_error("PAN-OS answered with something that is not XML") from None
    return root


def _message(root: ET.Element) -> str:
    parts = [text.strip() for text in root.itertext() if text.strip()]
    return " ".join(parts)[:300] or f"status={root.get('status')}"


def _uid_message(verb: str, ip: str, tag: str, expiry: int | None) -> str:
    message = ET.Element("uid-message")
    ET.SubElement(message, "version").text = "2.0"
    ET.SubElement(message, "type").text = "update"
    entry = ET.SubElement(ET.SubElement(ET.SubElement(message, "payload"), verb), "entry")
    entry.set("ip", ip)
    member = ET.SubElement(ET.SubElement(entry, "tag"), "member")
    member.text = tag
    if expiry is not None:
        member.set("timeout", str(expiry))
    return ET.tostring(message, encoding="unicode")


def _show_registered(ip: str | None, tag: str) -> str:
    show = ET.Element("show")
    query = ET.SubElement(ET.SubElement(show, "object"), "registered-ip")
    if ip:
        ET.SubElement(query, "ip").text = ip
    ET.SubElement(ET.SubElement(query, "tag"), "entry").set("name", tag)
    return ET.tostring(show, encoding="unicode")


async def _registered(ctx: ActionContext, ip: str | None, tag: str) -> list[str]:
    """Addresses that carry ``tag`` (optionally only ``ip``)."""
    vsys = setting(ctx, "vsys", "vsys1")
    root = await _xml_api(ctx, {"type": "op", "cmd": _show_registered(ip, tag), "vsys": vsys})
    found = []
    for entry in root.findall("./result/entry"):
        tags = {member.text for member in entry.findall("./tag/member")}
        if tag in tags:
            found.append(str(entry.get("ip")))
    return found


async def _update(ctx: ActionContext, verb: str, ip: str, tag: str, expiry: int | None) -> None:
    request = {
        "type": "user-id",
        "cmd": _uid_message(verb, ip, tag, expiry),
        "vsys": setting(ctx, "vsys", "vsys1"),
    }
    await _xml_api(ctx, request)


@app.action(title="Block IP")
async def block_ip(
    ctx: ActionContext,
    ip: IPvAnyNetwork = Field(description="Address or network to tag"),
    tag: str = Field(default="", pattern=_TAG, description="Empty: the credential's tag"),
    timeout_seconds: int = Field(default=0, ge=0, le=2592000, description="0: no expiry"),
) -> dict[str, Any]:
    """Register the tag on the address; no change when it already carries it."""
    target = blockable(ip)
    text, name = address_text(target), _tag(ctx, tag)
    if any(same_target(entry, target) for entry in await _registered(ctx, text, name)):
        return {"ip": text, "tag": name, "changed": False}
    await _update(ctx, "register", text, name, timeout_seconds or None)
    return {"ip": text, "tag": name, "changed": True}


@app.action(title="Unblock IP")
async def unblock_ip(
    ctx: ActionContext,
    ip: IPvAnyNetwork = Field(description="Address or network to untag"),
    tag: str = Field(default="", pattern=_TAG),
) -> dict[str, Any]:
    """Unregister the tag from the address; no change when it does not carry it."""
    target = blockable(ip)
    text, name = address_text(target), _tag(ctx, tag)
    if not any(same_target(entry, target) for entry in await _registered(ctx, text, name)):
        return {"ip": text, "tag": name, "changed": False}
    await _update(ctx, "unregister", text, name, None)
    return {"ip": text, "tag": name, "changed": True}


@app.action(title="List blocked")
async def list_blocked(
    ctx: ActionContext, tag: str = Field(default="", pattern=_TAG)
) -> dict[str, Any]:
    """Addresses that currently carry the block tag."""
    name = _tag(ctx, tag)
    addresses = await _registered(ctx, None, name)
    return {"tag": name, "count": len(addresses), "addresses": addresses}


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Check the key with ``show system info``."""
    cmd = "<show><system><info></info></system></show>"
    root = await _xml_api(ctx, {"type": "op", "cmd": cmd})
    system = root.find("./result/system")
    if system is None:
        raise vendor_error("show system info answered without a system element")
    return {
        "ok": True,
        "hostname": system.findtext("hostname"),
        "version": system.findtext("sw-version"),
    }
