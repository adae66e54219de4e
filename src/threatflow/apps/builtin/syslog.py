"""Send events to any SIEM or log collector as RFC 5424 syslog, optionally carrying CEF.

Messages go over UDP (RFC 5426: one message per datagram) or TCP (RFC 6587: octet-counting
framing by default, newline-terminated for collectors that want it). CEF (ArcSight's Common
Event Format) travels as the syslog message; its header fields escape ``\\`` and ``|``, its
extension values escape ``\\``, ``=`` and line breaks.
"""

from __future__ import annotations

import asyncio
import re
import socket
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from threatflow.apps.builtin._common import params_error
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ActionError

app = App(
    "syslog",
    title="Syslog / CEF",
    category=Category.SIEM,
    description="Send RFC 5424 syslog messages or CEF events over UDP or TCP.",
    docs_url="https://www.rfc-editor.org/rfc/rfc5424",
    credential_fields=[
        CredentialField("host", "Collector host"),
        CredentialField("port", "Port", required=False, default="514"),
        CredentialField(
            "protocol", "Protocol", required=False, default="udp", description="udp or tcp"
        ),
        CredentialField(
            "framing",
            "TCP framing",
            required=False,
            default="octet-counting",
            description="octet-counting (RFC 6587) or newline",
        ),
        CredentialField("hostname", "Our HOSTNAME", required=False, description="Default: ours"),
    ],
)

FACILITIES = {
    "kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5, "lpr": 6, "news": 7,
    "uucp": 8, "cron": 9, "authpriv": 10, "ftp": 11, "ntp": 12, "audit": 13, "alert": 14,
    "clock": 15, **{f"local{n}": 16 + n for n in range(8)},
}  # fmt: skip
SEVERITIES = {
    "emergency": 0, "alert": 1, "critical": 2, "error": 3,
    "warning": 4, "notice": 5, "informational": 6, "debug": 7,
}  # fmt: skip
Facility = Literal[
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
    "authpriv", "ftp", "ntp", "audit", "alert", "clock",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
]  # fmt: skip
Severity = Literal[
    "emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug"
]
MAX_UDP_PAYLOAD = 65507  # largest IPv4 UDP datagram payload
TIMEOUT = 10.0
_NOT_PRINTABLE = re.compile(r"[^\x21-\x7e]")
_SD_NAME = re.compile(r"^[\x21-\x7e]{1,32}$")
_SD_ESCAPE = re.compile(r'["\\\]]')
_CEF_KEY = re.compile(r"^[A-Za-z0-9_]+$")


def header_field(value: str | None, limit: int) -> str:
    """A syslog header field: printable US-ASCII only, bounded, ``-`` when empty."""
    cleaned = _NOT_PRINTABLE.sub("_", value or "")[:limit]
    return cleaned or "-"


def _sd_value(value: object) -> str:
    return _SD_ESCAPE.sub(lambda found: "\\" + found.group(0), str(value))


def structured_data(elements: dict[str, dict[str, str]] | None) -> str:
    """``[id name="value" ...]`` elements; values escape ``"``, ``\\`` and ``]``."""
    if not elements:
        return "-"
    parts = []
    for sd_id, params in elements.items():
        names = [sd_id, *params]
        if any(not _SD_NAME.match(n) or any(c in n for c in '= ]"') for n in names):
            raise params_error("structured", f"invalid structured-data name in {names}")
        pairs = "".join(f' {key}="{_sd_value(value)}"' for key, value in params.items())
        parts.append(f"[{sd_id}{pairs}]")
    return "".join(parts)


def format_rfc5424(
    message: str,
    *,
    facility: str,
    severity: str,
    hostname: str,
    app_name: str,
    procid: str | None = None,
    msgid: str | None = None,
    sd: dict[str, dict[str, str]] | None = None,
    now: datetime | None = None,
) -> bytes:
    """One RFC 5424 message: ``<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG``."""
    pri = FACILITIES[facility] * 8 + SEVERITIES[severity]
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    head = " ".join(
        [
            f"<{pri}>1",
            stamp,
            header_field(hostname, 255),
            header_field(app_name, 48),
            header_field(procid, 128),
            header_field(msgid, 32),
            structured_data(sd),
        ]
    )
    return f"{head} {message}".encode() if message else head.encode()


def cef_header(value: object) -> str:
    """A CEF header field: backslash and pipe escaped, line breaks flattened."""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return text.replace("\r", " ").replace("\n", " ")


def cef_value(value: object) -> str:
    """A CEF extension value: backslash, equals sign and line breaks escaped."""
    text = str(value).replace("\\", "\\\\").replace("=", "\\=")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\r")


def format_cef(
    vendor: str, product: str, version: str, signature_id: str, name: str, severity: int,
    extensions: dict[str, Any] | None = None,
) -> str:  # fmt: skip
    """``CEF:0|vendor|product|version|signature|name|severity|key=value ...``."""
    bad = [key for key in extensions or {} if not _CEF_KEY.match(key)]
    if bad:
        raise params_error("extensions", f"invalid CEF extension keys: {bad}")
    header = [vendor, product, version, signature_id, name, severity]
    extension = " ".join(f"{k}={cef_value(v)}" for k, v in (extensions or {}).items())
    return "CEF:0|" + "|".join(cef_header(h) for h in header) + "|" + extension


def _cef_syslog_severity(severity: int) -> str:
    # CEF 0-3 low, 4-6 medium, 7-8 high, 9-10 very high.
    return ("notice", "warning", "error", "critical")[
        (severity >= 4) + (severity >= 7) + (severity >= 9)
    ]


def _target(ctx: ActionContext) -> tuple[str, int, str]:
    protocol = str(ctx.credentials.get("protocol") or "udp").lower()
    if protocol not in ("udp", "tcp"):
        raise ActionError(f"protocol {protocol!r} is not udp or tcp", error_type="credential")
    try:
        port = int(ctx.credentials.get("port") or 514)
    except ValueError:
        raise ActionError(
            "credential field 'port' is not a number", error_type="credential"
        ) from None
    return str(ctx.credential("host")), port, protocol


async def _send_udp(host: str, port: int, payload: bytes) -> None:
    if len(payload) > MAX_UDP_PAYLOAD:
        raise params_error("message", f"{len(payload)} bytes do not fit in one datagram")
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        asyncio.DatagramProtocol, remote_addr=(host, port)
    )
    try:
        transport.sendto(payload)
    finally:
        transport.close()


async def _send_tcp(host: str, port: int, payload: bytes, framing: str) -> None:
    if framing == "newline":
        frame = payload.replace(b"\n", b" ") + b"\n"
    else:
        frame = str(len(payload)).encode() + b" " + payload
    _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), TIMEOUT)
    try:
        writer.write(frame)
        await asyncio.wait_for(writer.drain(), TIMEOUT)
    finally:
        writer.close()
        await writer.wait_closed()


async def _deliver(ctx: ActionContext, payload: bytes) -> dict[str, Any]:
    host, port, protocol = _target(ctx)
    try:
        if protocol == "udp":
            await _send_udp(host, port, payload)
        else:
            framing = str(ctx.credentials.get("framing") or "octet-counting")
            await _send_tcp(host, port, payload, framing)
    except TimeoutError:
        raise ActionError(
            f"{protocol} {host}:{port} timed out", error_type="timeout", retryable=True
        ) from None
    except OSError as exc:
        raise ActionError(
            f"{protocol} {host}:{port} failed: {exc}", error_type="connection", retryable=True
        ) from None
    ctx.log.info("syslog %s %s:%d -> %d bytes", protocol, host, port, len(payload))
    return {"protocol": protocol, "host": host, "port": port, "bytes": len(payload)}


def _hostname(ctx: ActionContext) -> str:
    return str(ctx.credentials.get("hostname") or socket.gethostname())


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """TCP: open and close a connection. UDP has no handshake, so only resolve the host."""
    host, port, protocol = _target(ctx)
    try:
        if protocol == "tcp":
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), TIMEOUT)
            writer.close()
            await writer.wait_closed()
        else:
            await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except (OSError, TimeoutError) as exc:
        raise ActionError(
            f"{protocol} {host}:{port}: {exc}", error_type="connection", retryable=True
        ) from None
    return {
        "ok": True,
        "protocol": protocol,
        "checked": "connected" if protocol == "tcp" else "resolved",
    }


@app.action(title="Send syslog message")
async def send_syslog(
    ctx: ActionContext,
    message: str = Field(min_length=1),
    severity: Severity = "notice",
    facility: Facility = "local0",
    app_name: str = Field("threatflow", max_length=48),
    msgid: str | None = Field(None, max_length=32, description="Type of message, e.g. ALERT"),
    procid: str | None = Field(None, max_length=128),
    structured: dict[str, dict[str, str]] | None = Field(
        None, description='Structured data, e.g. {"tf@32473": {"incident": "42"}}'
    ),
) -> dict[str, Any]:
    """Send one RFC 5424 message."""
    payload = format_rfc5424(
        message, facility=facility, severity=severity, hostname=_hostname(ctx),
        app_name=app_name, procid=procid, msgid=msgid, sd=structured,
    )  # fmt: skip
    return await _deliver(ctx, payload)


@app.action(title="Send CEF event")
async def send_cef(
    ctx: ActionContext,
    signature_id: str = Field(min_length=1, description="Event class id, e.g. threatflow:block"),
    name: str = Field(min_length=1, description="Human-readable event name"),
    severity: int = Field(5, ge=0, le=10),
    extensions: dict[str, Any] | None = Field(
        None, description='CEF keys, e.g. {"src": "203.0.113.7", "act": "blocked"}'
    ),
    device_vendor: str = "Threatflow",
    device_product: str = "Threatflow",
    device_version: str = "1.0",
    facility: Facility = "local0",
) -> dict[str, Any]:
    """Send one CEF event inside a syslog message."""
    event = format_cef(
        device_vendor, device_product, device_version, signature_id, name, severity, extensions
    )
    payload = format_rfc5424(
        event, facility=facility, severity=_cef_syslog_severity(severity),
        hostname=_hostname(ctx), app_name=device_product,
    )  # fmt: skip
    return {**await _deliver(ctx, payload), "cef": event}
