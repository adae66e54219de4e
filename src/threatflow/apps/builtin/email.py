"""The ``email`` app: send mail through an SMTP server (STARTTLS, implicit TLS or plain).

smtplib is blocking, so each call runs in a worker thread. SMTP failures are classified:
4xx replies and lost connections are retryable, 5xx replies (a refused sender, all
recipients refused) and a refused login are not.
"""

from __future__ import annotations

import asyncio
import re
import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from threatflow.apps.builtin._httpkit import setting_on
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ActionError, ParamsInvalid, Problem

__all__ = ["SmtpSettings", "app"]

SMTP_TIMEOUT = 30.0
_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+$")

app = App(
    "email",
    title="Email (SMTP)",
    category=Category.COMMUNICATION,
    description="Send e-mail through your SMTP server.",
    docs_url="https://docs.python.org/3/library/smtplib.html",
    credential_fields=[
        CredentialField("host", title="SMTP host"),
        CredentialField("port", default="587", description="587 for STARTTLS, 465 for TLS"),
        CredentialField("username", required=False),
        CredentialField("password", secret=True, required=False),
        CredentialField("security", default="starttls", description="starttls, tls or none"),
        CredentialField("from_address", title="From address"),
        CredentialField(
            "verify_tls",
            title="Verify TLS",
            required=False,
            default="true",
            description="Check the server certificate.",
        ),
    ],
)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """The credential of the ``email`` app, checked."""

    host: str
    port: int
    security: str
    username: str
    password: str
    from_address: str
    verify_tls: bool

    @classmethod
    def from_context(cls, ctx: ActionContext) -> SmtpSettings:
        security = str(ctx.credentials.get("security") or "starttls").lower()
        if security not in ("starttls", "tls", "none"):
            raise _credential_error("security must be starttls, tls or none")
        try:
            port = int(ctx.credentials.get("port") or (465 if security == "tls" else 587))
        except ValueError:
            raise _credential_error("port must be a number") from None
        return cls(
            host=str(ctx.credential("host")),
            port=port,
            security=security,
            username=str(ctx.credentials.get("username") or ""),
            password=str(ctx.credentials.get("password") or ""),
            from_address=str(ctx.credential("from_address")),
            verify_tls=setting_on(ctx.credentials.get("verify_tls"), default=True),
        )

    def tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if not self.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


def _credential_error(message: str) -> ActionError:
    return ActionError(message, error_type="credential", retryable=False)


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An open, upgraded and logged-in session (blocking)."""
    if settings.security == "tls":
        context = settings.tls_context()
        session: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=SMTP_TIMEOUT, context=context
        )
    else:
        session = smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT)
    try:
        if settings.security == "starttls":
            session.starttls(context=settings.tls_context())
        if settings.username:
            session.login(settings.username, settings.password)
    except BaseException:
        session.close()
        raise
    return session


def _deliver(
    settings: SmtpSettings, message: EmailMessage, recipients: list[str]
) -> dict[str, Any]:
    """Send one message (blocking); returns the refused recipients with their replies."""
    with _connect(settings) as session:
        refused = session.send_message(message, settings.from_address, recipients)
    return {
        address: f"{code} {reply.decode(errors='replace')}"
        for address, (code, reply) in refused.items()
    }


def smtp_failure(exc: Exception) -> ActionError:
    """Classify an SMTP or network exception as a retryable or final :class:`ActionError`."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return ActionError(f"SMTP login refused: {exc.smtp_code}", error_type="auth")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = {
            addr: f"{code} {reply.decode(errors='replace')}"
            for addr, (code, reply) in exc.recipients.items()
        }
        return ActionError(
            "every recipient was refused", error_type="smtp", details={"refused": refused}
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return ActionError(
            f"SMTP error {exc.smtp_code}: {text}",
            error_type="smtp",
            retryable=400 <= exc.smtp_code < 500,
            details={"smtp_code": exc.smtp_code},
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return ActionError(f"SMTP server does not support this: {exc}", error_type="smtp")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ActionError(f"TLS certificate rejected: {exc.verify_message}", error_type="tls")
    if isinstance(exc, TimeoutError):
        return ActionError("SMTP server timed out", error_type="timeout", retryable=True)
    return ActionError(
        f"SMTP connection failed: {type(exc).__name__}: {exc}",
        error_type="connection",
        retryable=True,
    )


def _addresses(values: list[str] | str | None, field: str) -> list[str]:
    """Addresses from a list or a comma-separated text, each checked."""
    if values is None:
        return []
    items = values.split(",") if isinstance(values, str) else values
    found = [item.strip() for item in items if item.strip()]
    bad = [item for item in found if not _ADDRESS.match(parseaddr(item)[1])]
    if bad:
        raise ParamsInvalid(
            [Problem(f"params.{field}", f"not an e-mail address: {', '.join(bad)}")]
        )
    return found


def _build(
    settings: SmtpSettings, headers: dict[str, str], body: str, html: str | None
) -> EmailMessage:
    message = EmailMessage()
    try:
        for name, value in headers.items():
            if value:
                message[name] = value
    except ValueError as exc:  # CR/LF in a header value: a header injection attempt
        raise ParamsInvalid([Problem("params", f"invalid header value: {exc}")]) from None
    message["Date"] = format_datetime(datetime.now(UTC))
    domain = parseaddr(settings.from_address)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    return message


@app.action(title="Send e-mail")
async def send_email(
    ctx: ActionContext,
    to: list[str] | str,
    subject: str,
    body: str,
    cc: list[str] | str | None = None,
    bcc: list[str] | str | None = None,
    html: str | None = None,
    reply_to: str | None = None,
) -> dict[str, Any]:
    """Send a text e-mail (with an optional HTML version) from the credential's address.

    ``to``, ``cc`` and ``bcc`` take lists or comma-separated text; Bcc recipients get the
    mail without appearing in it. Returns ``message_id``, ``accepted`` and ``refused``
    (recipient -> server reply) when the server refused only some recipients.
    """
    settings = SmtpSettings.from_context(ctx)
    to_list, cc_list = _addresses(to, "to"), _addresses(cc, "cc")
    if not to_list:
        raise ParamsInvalid([Problem("params.to", "give at least one recipient")])
    recipients = [parseaddr(a)[1] for a in (*to_list, *cc_list, *_addresses(bcc, "bcc"))]
    recipients = list(dict.fromkeys(recipients))
    headers = {"From": settings.from_address, "To": ", ".join(to_list), "Cc": ", ".join(cc_list)}
    headers.update({"Subject": subject, "Reply-To": reply_to or ""})
    message = _build(settings, headers, body, html)
    refused = await _run(ctx, "send", _deliver, settings, message, recipients)
    accepted = [address for address in recipients if address not in refused]
    return {"message_id": message["Message-ID"], "accepted": accepted, "refused": refused}


async def _run(ctx: ActionContext, what: str, func: Any, settings: SmtpSettings, *args: Any) -> Any:
    started = time.perf_counter()
    try:
        result = await asyncio.to_thread(func, settings, *args)
    except (smtplib.SMTPException, OSError) as exc:
        raise smtp_failure(exc) from None
    elapsed_ms = (time.perf_counter() - started) * 1000
    ctx.log.info(
        "smtp %s %s:%s (%s) in %.1f ms",
        what,
        settings.host,
        settings.port,
        settings.security,
        elapsed_ms,
    )
    return result


def _check(settings: SmtpSettings) -> str:
    with _connect(settings) as session:
        code, _ = session.noop()
    return f"{settings.host}:{settings.port} answered {code}"


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Connect, upgrade to TLS and log in as configured, without sending anything."""
    settings = SmtpSettings.from_context(ctx)
    message = await _run(ctx, "check", _check, settings)
    return {"ok": True, "message": message}
