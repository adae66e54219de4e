"""An SMTP stand-in built on aiosmtpd: records every message it accepts.

``security`` mirrors the ``email`` app's setting: ``"none"`` (plain), ``"starttls"`` (the
client must upgrade before MAIL) or ``"tls"`` (implicit TLS from the first byte). The
certificate is self-signed for ``localhost``/``127.0.0.1``, so clients must skip
verification. With ``username``/``password`` set, MAIL is refused until the client logs in.
Recipients at ``reject_domain`` are refused with 550, to exercise partial failures.
"""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import logging
import socket
import ssl
import tempfile
import threading
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = ["SmtpStandIn", "self_signed_context"]

Security = Literal["none", "starttls", "tls"]


def self_signed_context() -> ssl.SSLContext:
    """A server TLS context with a fresh self-signed certificate for localhost."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    alt_names = x509.SubjectAlternativeName(
        [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(alt_names, critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    return _server_context(cert_pem, key_pem)


def _server_context(cert_pem: bytes, key_pem: bytes) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:  # load_cert_chain only reads files
        cert_file, key_file = Path(folder, "cert.pem"), Path(folder, "key.pem")
        cert_file.write_bytes(cert_pem)
        key_file.write_bytes(key_pem)
        context.load_cert_chain(cert_file, key_file)
    return context


def _free_port(host: str) -> int:
    # aiosmtpd's controller connects to its own port to start up, so it needs a real number
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class _Recorder:
    """aiosmtpd handler: enforces login and rejected domains, records accepted messages."""

    def __init__(self, standin: SmtpStandIn) -> None:
        self.standin = standin

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.standin.username and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower().endswith("@" + self.standin.reject_domain):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.standin.record(session, envelope)
        return "250 2.0.0 Message accepted for delivery"


class SmtpStandIn:
    """A local SMTP server; use as a context manager, read :attr:`messages` afterwards."""

    def __init__(
        self,
        *,
        security: Security = "none",
        username: str | None = None,
        password: str | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        reject_domain: str = "rejected.example",
    ) -> None:
        self.security = security
        self.username = username
        self.password = password
        self.host = host
        self.port = port
        self.reject_domain = reject_domain
        self._messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """A snapshot of the accepted messages, oldest first."""
        with self._lock:
            return list(self._messages)

    requests = messages  # the same name the HTTP stand-ins use, for the demo

    def credentials(self, from_address: str = "threatflow@example.org") -> dict[str, str]:
        """Credential fields for the ``email`` app that reach this server."""
        return {
            "host": self.host,
            "port": str(self.port),
            "username": self.username or "",
            "password": self.password or "",
            "security": self.security,
            "from_address": from_address,
            "verify_tls": "false",
        }

    def record(self, session: Session, envelope: Envelope) -> None:
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=default_policy)
        assert isinstance(parsed, EmailMessage)  # guaranteed by the default policy
        login = session.auth_data.decode() if isinstance(session.auth_data, bytes) else None
        entry = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "login": login,
            # aiosmtpd only fills session.ssl after STARTTLS; implicit TLS is always on
            "tls": session.ssl is not None or self.security == "tls",
            "subject": parsed["Subject"],
            "from": parsed["From"],
            "to": parsed["To"],
            "cc": parsed["Cc"],
            "bcc_header": parsed["Bcc"],
            "message_id": parsed["Message-ID"],
            "text": _part_text(parsed, "plain"),
            "html": _part_text(parsed, "html"),
            "raw": raw.decode("utf-8", errors="replace"),
        }
        with self._lock:
            self._messages.append(entry)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (
            data.login.decode(),
            data.password.decode(),
        ) == (self.username, self.password)
        # handled=False lets aiosmtpd send the 535 itself when the login is refused
        return AuthResult(success=ok, handled=False, auth_data=data.login if ok else None)

    def start(self) -> Self:
        if self._controller is not None:
            return self
        self.port = self.port or _free_port(self.host)
        context = self_signed_context() if self.security != "none" else None
        options: dict[str, Any] = {
            "hostname": self.host,
            "port": self.port,
            "server_hostname": "standin.threatflow.local",
            "authenticator": self._authenticate,
            # with implicit TLS aiosmtpd does not see the session as TLS and would hide AUTH
            "auth_require_tls": self.security == "starttls",
        }
        if self.security == "starttls":
            options.update(tls_context=context, require_starttls=True)
        elif self.security == "tls":
            options["ssl_context"] = context
        # aiosmtpd logs each session and a deprecation notice per login at INFO/WARNING
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        self._controller = Controller(_Recorder(self), **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _part_text(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    content = part.get_content()
    return content.replace("\r\n", "\n") if isinstance(content, str) else None
