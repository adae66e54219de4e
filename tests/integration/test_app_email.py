"""The ``email`` app against the aiosmtpd stand-in (plain, STARTTLS and implicit TLS)."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import pytest

from threatflow.apps.builtin.email import app
from threatflow.apps.testing import run_action_async
from threatflow.errors import ActionError, ParamsInvalid
from threatflow.standins import SmtpStandIn, smtp_standin

pytestmark = pytest.mark.integration

MAIL = {
    "to": ["soc@example.org", "Lead <lead@example.org>"],
    "cc": "manager@example.org",
    "bcc": ["audit@example.org"],
    "subject": "[Threatflow] Brute force on web-01",
    "body": "Source 222.186.30.76 was blocked.",
}


def run(credentials: dict[str, str], action: str, params: dict[str, Any]) -> Any:
    return asyncio.run(run_action_async(app, action, params, credentials))


def test_send_email_delivers_text_html_and_hidden_bcc(smtp_standin: SmtpStandIn) -> None:
    result = run(
        smtp_standin.credentials(), "send_email", {**MAIL, "html": "<p>Source blocked</p>"}
    )

    everyone = ["soc@example.org", "lead@example.org", "manager@example.org", "audit@example.org"]
    assert result["accepted"] == everyone and result["refused"] == {}
    [mail] = smtp_standin.messages
    assert (mail["mail_from"], mail["rcpt_tos"], mail["login"]) == (
        "threatflow@example.org",
        everyone,
        "alerts",
    )
    assert (mail["subject"], mail["tls"]) == (MAIL["subject"], False)
    assert (mail["to"], mail["cc"]) == ("soc@example.org, Lead <lead@example.org>", MAIL["cc"])
    assert mail["bcc_header"] is None and "audit@" not in mail["raw"]
    assert mail["text"] == MAIL["body"] + "\n"
    assert mail["html"] == "<p>Source blocked</p>\n"
    assert mail["message_id"] == result["message_id"].strip()
    assert result["message_id"].endswith("@example.org>")


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_send_email_over_tls(security: Literal["starttls", "tls"]) -> None:
    with smtp_standin(security=security, username="u", password="p") as server:
        result = run(
            server.credentials(), "send_email", {"to": "a@example.org", "subject": "s", "body": "b"}
        )
        assert result["accepted"] == ["a@example.org"]
        assert server.messages[0]["tls"] is True


def test_self_signed_certificate_is_refused_when_verifying() -> None:
    with smtp_standin(security="starttls") as server:
        credentials = {**server.credentials(), "verify_tls": "true"}
        with pytest.raises(ActionError) as caught:
            run(credentials, "send_email", {"to": "a@example.org", "subject": "s", "body": "b"})
    assert (caught.value.error_type, caught.value.retryable) == ("tls", False)


def test_wrong_password_is_a_final_auth_error(smtp_standin: SmtpStandIn) -> None:
    credentials = {**smtp_standin.credentials(), "password": "wrong"}
    with pytest.raises(ActionError) as caught:
        run(credentials, "send_email", {**MAIL})
    assert (caught.value.error_type, caught.value.retryable) == ("auth", False)
    assert smtp_standin.messages == []


def test_missing_login_is_refused_by_the_server(smtp_standin: SmtpStandIn) -> None:
    credentials = {**smtp_standin.credentials(), "username": "", "password": ""}
    with pytest.raises(ActionError) as caught:
        run(credentials, "send_email", {**MAIL})
    assert caught.value.error_type == "smtp" and caught.value.details["smtp_code"] == 530


def test_some_refused_recipients_are_reported(smtp_standin: SmtpStandIn) -> None:
    params = {"to": ["ok@example.org", "gone@rejected.example"], "subject": "s", "body": "b"}
    result = run(smtp_standin.credentials(), "send_email", params)
    assert result["accepted"] == ["ok@example.org"]
    assert result["refused"]["gone@rejected.example"].startswith("550")
    assert smtp_standin.messages[0]["rcpt_tos"] == ["ok@example.org"]


def test_all_refused_recipients_fail_the_step(smtp_standin: SmtpStandIn) -> None:
    params = {"to": "gone@rejected.example", "subject": "s", "body": "b"}
    with pytest.raises(ActionError) as caught:
        run(smtp_standin.credentials(), "send_email", params)
    assert (caught.value.error_type, caught.value.retryable) == ("smtp", False)
    assert "gone@rejected.example" in caught.value.details["refused"]


@pytest.mark.parametrize(
    "params",
    [
        {**MAIL, "subject": "hello\r\nBcc: victim@example.org"},
        {**MAIL, "to": ["not an address"]},
        {**MAIL, "to": []},
        {**MAIL, "cc": "a@example.org, b@"},
    ],
)
def test_bad_parameters_fail_before_connecting(params: dict[str, Any]) -> None:
    credentials = {"host": "127.0.0.1", "port": "1", "security": "none", "from_address": "a@b.org"}
    with pytest.raises(ParamsInvalid):
        run(credentials, "send_email", params)


def test_unreachable_server_is_retryable() -> None:
    with smtp_standin() as server:
        credentials = server.credentials()
    with pytest.raises(ActionError) as caught:
        run(credentials, "send_email", {**MAIL})
    assert (caught.value.error_type, caught.value.retryable) == ("connection", True)


def test_bad_security_setting_is_a_credential_error() -> None:
    credentials = {"host": "h", "security": "ssl3", "from_address": "a@b.org"}
    with pytest.raises(ActionError) as caught:
        run(credentials, "send_email", {**MAIL})
    assert caught.value.error_type == "credential"


def test_test_connection_logs_in_without_sending(smtp_standin: SmtpStandIn) -> None:
    result = run(smtp_standin.credentials(), "test_connection", {})
    assert result["ok"] is True and "250" in result["message"]
    assert smtp_standin.messages == []
    with pytest.raises(ActionError):
        run({**smtp_standin.credentials(), "password": "nope"}, "test_connection", {})
