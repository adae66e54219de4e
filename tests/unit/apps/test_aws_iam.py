"""AWS IAM app: SigV4 against AWS's published vectors, then a stand-in that verifies
signatures of the requests it receives and answers with IAM/STS XML."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from threatflow.apps.builtin import aws_iam
from threatflow.apps.builtin.aws_iam import SigningKey, authorization, signature
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError

# AWS's SigV4 test suite and IAM signing example (docs: "Signature Version 4 test suite",
# "Examples of the complete Signature Version 4 signing process").
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
DATE = "20150830T123600Z"
SUITE = SigningKey("AKIDEXAMPLE", SECRET, "us-east-1", "service")
HOST = {"host": "example.amazonaws.com", "x-amz-date": DATE}

CREDS = {"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "tf-secret"}
KEY_ID = "AKIAI44QH8DHBEXAMPLE"
NS = "https://iam.amazonaws.com/doc/2010-05-08/"


def test_get_vanilla() -> None:
    header = authorization(SUITE, "GET", "https://example.amazonaws.com/", HOST, b"", DATE)
    assert header == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    )


def test_get_vanilla_query_order_key_case() -> None:
    url = "https://example.amazonaws.com/?Param2=value2&Param1=value1"
    sig, _ = signature(SUITE, "GET", url, HOST, b"", DATE)
    assert sig == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"


def test_post_x_www_form_urlencoded() -> None:
    headers = {**HOST, "Content-Type": "application/x-www-form-urlencoded"}
    sig, signed = signature(
        SUITE, "POST", "https://example.amazonaws.com/", headers, b"Param1=value1", DATE
    )
    assert signed == "content-type;host;x-amz-date"
    assert sig == "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"


def test_iam_list_users_example() -> None:
    key = SigningKey("AKIDEXAMPLE", SECRET, "us-east-1", "iam")
    headers = {
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
        "host": "iam.amazonaws.com",
        "x-amz-date": DATE,
    }
    url = "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08"
    sig, _ = signature(key, "GET", url, headers, b"", DATE)
    assert sig == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"


def xml_error(status: int, code: str, message: str) -> httpx.Response:
    body = (
        f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{message}</Message></Error><RequestId>req-err</RequestId></ErrorResponse>"
    )
    return httpx.Response(status, content=body.encode(), headers={"content-type": "text/xml"})


class Aws:
    """Checks each request's SigV4 signature with the secret it knows, then answers in XML."""

    def __init__(self, secret: str = "tf-secret", errors: dict[str, httpx.Response] | None = None):
        self.secret = secret
        self.errors = errors or {}
        self.transport = FakeTransport(self.handle)

    def verify(self, request: httpx.Request, service: str) -> None:
        found = re.fullmatch(
            r"AWS4-HMAC-SHA256 Credential=(\w+)/(\d{8})/([\w-]+)/(\w+)/aws4_request, "
            r"SignedHeaders=([\w;-]+), Signature=([0-9a-f]{64})",
            request.headers["authorization"],
        )
        assert found, request.headers["authorization"]
        key_id, day, region, signed_service, names, sig = found.groups()
        assert signed_service == service and request.headers["x-amz-date"].startswith(day)
        assert {"host", "x-amz-date", "content-type"} <= set(names.split(";"))
        headers = {name: request.headers[name] for name in names.split(";")}
        key = SigningKey(key_id, self.secret, region, service)
        expected, _ = signature(
            key,
            request.method,
            str(request.url),
            headers,
            request.content,
            request.headers["x-amz-date"],
        )
        assert sig == expected, "signature does not match the request as received"

    def handle(self, request: httpx.Request) -> httpx.Response:
        service = request.url.host.split(".")[0]
        self.verify(request, service)
        assert request.method == "POST" and request.url.path == "/"
        assert request.headers["content-type"] == "application/x-www-form-urlencoded; charset=utf-8"
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form["Action"] in self.errors:
            return self.errors[form["Action"]]
        answer: httpx.Response = getattr(self, form["Action"])(form)
        return answer

    def GetCallerIdentity(self, form: dict[str, str]) -> httpx.Response:
        assert form["Version"] == "2011-06-15"
        body = (
            '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/soar</Arn>"
            "<UserId>AIDACKCEVSQ6C2EXAMPLE</UserId><Account>123456789012</Account>"
            "</GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId>"
            "</ResponseMetadata></GetCallerIdentityResponse>"
        )
        return httpx.Response(200, content=body.encode())

    def ListAccessKeys(self, form: dict[str, str]) -> httpx.Response:
        assert form["Version"] == "2010-05-08" and form["UserName"] == "bob"
        members = "".join(
            f"<member><UserName>bob</UserName><AccessKeyId>{key}</AccessKeyId>"
            f"<Status>{status}</Status><CreateDate>2024-01-0{n}T10:00:00Z</CreateDate></member>"
            for n, (key, status) in enumerate(
                [(KEY_ID, "Active"), ("AKIAEXAMPLE2222", "Inactive")], 1
            )
        )
        body = (
            f'<ListAccessKeysResponse xmlns="{NS}"><ListAccessKeysResult><UserName>bob</UserName>'
            f"<AccessKeyMetadata>{members}</AccessKeyMetadata><IsTruncated>false</IsTruncated>"
            "</ListAccessKeysResult><ResponseMetadata><RequestId>r-2</RequestId>"
            "</ResponseMetadata></ListAccessKeysResponse>"
        )
        return httpx.Response(200, content=body.encode())

    def UpdateAccessKey(self, form: dict[str, str]) -> httpx.Response:
        assert form["Version"] == "2010-05-08" and form["Status"] in ("Active", "Inactive")
        assert form["AccessKeyId"] == KEY_ID
        body = (
            f'<UpdateAccessKeyResponse xmlns="{NS}"><ResponseMetadata>'
            "<RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>"
            "</ResponseMetadata></UpdateAccessKeyResponse>"
        )
        return httpx.Response(200, content=body.encode())

    def run(self, action: str, params: dict[str, Any], creds: dict[str, str] = CREDS) -> Any:
        return run_action(aws_iam.app, action, params, creds, self.transport)


def test_test_connection_uses_sts() -> None:
    aws = Aws()
    result = aws.run("test_connection", {})
    assert result == {
        "ok": True,
        "account": "123456789012",
        "arn": "arn:aws:iam::123456789012:user/soar",
        "user_id": "AIDACKCEVSQ6C2EXAMPLE",
    }
    assert aws.transport.requests[0].url.host == "sts.amazonaws.com"


def test_deactivate_access_key() -> None:
    aws = Aws()
    result = aws.run("deactivate_access_key", {"access_key_id": KEY_ID, "user_name": "bob"})
    form = parse_qs(aws.transport.requests[0].content.decode())
    assert form == {
        "Action": ["UpdateAccessKey"],
        "Version": ["2010-05-08"],
        "AccessKeyId": [KEY_ID],
        "Status": ["Inactive"],
        "UserName": ["bob"],
    }
    assert result == {
        "access_key_id": KEY_ID,
        "status": "Inactive",
        "request_id": "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE",
    }


def test_activate_access_key_with_session_token_is_signed() -> None:
    aws = Aws()
    aws.run(
        "activate_access_key",
        {"access_key_id": KEY_ID},
        {**CREDS, "session_token": "FwoGZXIvYXdzEXAMPLE"},
    )
    request = aws.transport.requests[0]
    assert request.headers["x-amz-security-token"] == "FwoGZXIvYXdzEXAMPLE"
    assert "x-amz-security-token" in request.headers["authorization"]
    assert "UserName" not in parse_qs(request.content.decode())


def test_wrong_secret_would_not_verify() -> None:
    aws = Aws(secret="another-secret")
    with pytest.raises(AssertionError, match="signature does not match"):
        aws.run("test_connection", {})


def test_list_access_keys() -> None:
    result = Aws().run("list_access_keys", {"user_name": "bob"})
    assert result["count"] == 2
    assert result["access_keys"][0] == {
        "access_key_id": KEY_ID,
        "status": "Active",
        "user_name": "bob",
        "create_date": "2024-01-01T10:00:00Z",
    }


def test_access_key_id_is_validated() -> None:
    with pytest.raises(ActionError) as caught:
        Aws().run("deactivate_access_key", {"access_key_id": "not a key"})
    assert caught.value.error_type == "params"


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (404, "NoSuchEntity", False),
        (403, "AccessDenied", False),
        (403, "SignatureDoesNotMatch", False),
        (400, "Throttling", True),
        (500, "ServiceFailure", True),
    ],
)
def test_vendor_errors(status: int, code: str, retryable: bool) -> None:
    aws = Aws(errors={"UpdateAccessKey": xml_error(status, code, "explained by AWS")})
    with pytest.raises(HttpError) as caught:
        aws.run("deactivate_access_key", {"access_key_id": KEY_ID})
    assert caught.value.status == status and caught.value.retryable is retryable
    assert f"{code}: explained by AWS" in str(caught.value)
    assert caught.value.details["code"] == code


def test_sts_body_is_the_plain_form() -> None:
    aws = Aws()
    aws.run("test_connection", {})
    assert aws.transport.requests[0].content == b"Action=GetCallerIdentity&Version=2011-06-15"
