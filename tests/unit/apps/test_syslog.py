"""Syslog / CEF app: message formats, then real UDP and TCP sockets on the loopback."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from threatflow.apps.builtin import syslog
from threatflow.apps.testing import run_action
from threatflow.errors import ActionError

# RFC 5424 section 6: <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD
RFC5424 = re.compile(
    r"^<(?P<pri>\d{1,3})>1 (?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,6}Z) (?P<host>[!-~]{1,255}) "
    r"(?P<app>[!-~]{1,48}) (?P<procid>[!-~]{1,128}) (?P<msgid>[!-~]{1,32}) "
    r"(?P<sd>-|(?:\[[^\]\s=\"]+(?: [^\s=\"]+=\"(?:[^\"\\\]]|\\.)*\")*\])+)(?: (?P<msg>.*))?$",
    re.DOTALL,
)


@pytest.fixture
def udp_server() -> Iterator[socket.socket]:
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(5)
    yield server
    server.close()


@pytest.fixture
def tcp_server() -> Iterator[socket.socket]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(5)
    yield server
    server.close()


def creds(server: socket.socket, protocol: str, **extra: str) -> dict[str, str]:
    port = str(server.getsockname()[1])
    return {"host": "127.0.0.1", "port": port, "protocol": protocol, "hostname": "soar01", **extra}


def received_tcp(server: socket.socket) -> bytes:
    connection, _ = server.accept()
    with connection:
        connection.settimeout(5)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_rfc5424_format() -> None:
    now = datetime(2024, 6, 10, 8, 14, 2, 123456, tzinfo=UTC)
    line = syslog.format_rfc5424(
        "user alice disabled",
        facility="auth",
        severity="warning",
        hostname="soar 01",
        app_name="threatflow",
        msgid="IAM",
        sd={"tf@32473": {"incident": "42", "note": 'say "hi" ] \\ now'}},
        now=now,
    ).decode()
    assert line == (
        "<36>1 2024-06-10T08:14:02.123456Z soar_01 threatflow - IAM "
        '[tf@32473 incident="42" note="say \\"hi\\" \\] \\\\ now"] user alice disabled'
    )
    assert RFC5424.match(line)


def test_structured_data_names_are_checked() -> None:
    with pytest.raises(ActionError) as caught:
        syslog.structured_data({"bad id": {"k": "v"}})
    assert caught.value.error_type == "params"


def test_cef_escaping() -> None:
    event = syslog.format_cef(
        "Ven|dor", "Pro\\duct", "1.0", "block:ip", "Blocked\nIP", 7,
        {"src": "203.0.113.7", "msg": "a=b\\c\nd", "cs1Label": "rule"},
    )  # fmt: skip
    assert event == (
        "CEF:0|Ven\\|dor|Pro\\\\duct|1.0|block:ip|Blocked IP|7|"
        "src=203.0.113.7 msg=a\\=b\\\\c\\nd cs1Label=rule"
    )


def test_cef_rejects_bad_extension_keys() -> None:
    with pytest.raises(ActionError):
        syslog.format_cef("V", "P", "1", "s", "n", 1, {"bad key": "x"})


def test_send_syslog_over_udp(udp_server: socket.socket) -> None:
    result = run_action(
        syslog.app,
        "send_syslog",
        {"message": "containment done for incident 42", "severity": "notice", "msgid": "AUDIT"},
        creds(udp_server, "udp"),
    )
    datagram, _ = udp_server.recvfrom(65536)
    found = RFC5424.match(datagram.decode())
    assert found, datagram
    assert found["pri"] == str(16 * 8 + 5) and found["host"] == "soar01"
    assert found["msgid"] == "AUDIT" and found["msg"] == "containment done for incident 42"
    assert result["protocol"] == "udp" and result["bytes"] == len(datagram)


def test_send_cef_over_tcp_with_octet_counting(tcp_server: socket.socket) -> None:
    params: dict[str, Any] = {
        "signature_id": "threatflow:block-ip",
        "name": "IP blocked",
        "severity": 8,
        "extensions": {"src": "203.0.113.7", "act": "blocked"},
    }
    result = run_action(syslog.app, "send_cef", params, creds(tcp_server, "tcp"))
    data = received_tcp(tcp_server)
    length, _, message = data.partition(b" ")
    assert int(length) == len(message)
    found = RFC5424.match(message.decode())
    assert found and found["pri"] == str(16 * 8 + 3)  # CEF 8 maps to syslog error
    assert found["msg"] == result["cef"]
    assert result["cef"] == (
        "CEF:0|Threatflow|Threatflow|1.0|threatflow:block-ip|IP blocked|8|"
        "src=203.0.113.7 act=blocked"
    )


def test_newline_framing(tcp_server: socket.socket) -> None:
    run_action(
        syslog.app,
        "send_syslog",
        {"message": "two\nlines"},
        creds(tcp_server, "tcp", framing="newline"),
    )
    data = received_tcp(tcp_server)
    assert data.endswith(b"two lines\n") and data.count(b"\n") == 1


def test_test_connection(tcp_server: socket.socket, udp_server: socket.socket) -> None:
    tcp = run_action(syslog.app, "test_connection", {}, creds(tcp_server, "tcp"))
    udp = run_action(syslog.app, "test_connection", {}, creds(udp_server, "udp"))
    assert tcp["checked"] == "connected" and udp["checked"] == "resolved"


def test_refused_tcp_connection_is_retryable() -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(ActionError) as caught:
        run_action(
            syslog.app,
            "send_syslog",
            {"message": "x"},
            {"host": "127.0.0.1", "port": str(port), "protocol": "tcp"},
        )
    assert caught.value.error_type == "connection" and caught.value.retryable


def test_bad_settings_and_oversized_datagram(udp_server: socket.socket) -> None:
    with pytest.raises(ActionError) as caught:
        run_action(syslog.app, "send_syslog", {"message": "x"}, creds(udp_server, "sctp"))
    assert caught.value.error_type == "credential"

    with pytest.raises(ActionError) as caught:
        run_action(syslog.app, "send_syslog", {"message": "x" * 70000}, creds(udp_server, "udp"))
    assert caught.value.error_type == "params" and not caught.value.retryable
