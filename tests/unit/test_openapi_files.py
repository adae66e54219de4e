"""Files in OpenAPI-generated actions: multipart file parts, raw binary bodies, binary responses.

Request bodies are checked on the wire: the multipart body httpx sends is parsed back with the
standard library's MIME parser, independently of the code that built it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from threatflow.apps.openapi import build_app, import_openapi
from threatflow.apps.sdk import App
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ParamsInvalid

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "openapi"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\r\n--not-a-boundary\r\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


def app_from(document: Any) -> App:
    return build_app(import_openapi(document, validate_document=False).app_spec)


def send(app: App, action: str, params: dict[str, Any]) -> httpx.Request:
    transport = FakeTransport(ok)
    run_action(app, action, params, {}, transport)
    assert len(transport.requests) == 1
    return transport.requests[0]


def parts(request: httpx.Request) -> list[Message]:
    """The parts of a multipart request, parsed with the Content-Type header it was sent with
    (``compat32`` keeps header values exactly as written)."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=compat32).parsebytes(head + request.read())
    assert message.is_multipart()
    payload = message.get_payload()
    assert isinstance(payload, list)
    found = [part for part in payload if isinstance(part, Message)]
    assert len(found) == len(payload)
    return found


def described(part: Message) -> tuple[str, str | None, str | None, bytes]:
    """(field name, filename, Content-Type header, exact bytes) of one part."""
    name = part.get_param("name", header="content-disposition")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return str(name), part.get_filename(), part.get("content-type"), payload


def refused(app: App, action: str, params: dict[str, Any]) -> dict[str, str]:
    """The problems (path: message) of a call that must fail before sending anything."""
    transport = FakeTransport(ok)
    with pytest.raises(ParamsInvalid) as caught:
        run_action(app, action, params, {}, transport)
    assert transport.requests == []
    return {problem.path: problem.message for problem in caught.value.problems}


def doc30(paths: dict[str, Any], version: str = "3.0.3") -> dict[str, Any]:
    return {
        "openapi": version,
        "info": {"title": "Sandbox API", "version": "1"},
        "servers": [{"url": "https://sandbox.example.test/api"}],
        "paths": paths,
    }


def multipart_op(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    content = {"multipart/form-data": {"schema": schema}}
    return {"post": {"operationId": name, "requestBody": {"content": content}}}


BINARY = {"type": "string", "format": "binary"}
SUBMIT = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {**BINARY, "description": "The sample."},
        "attachments": {"type": "array", "items": BINARY},
        "comment": {"type": "string"},
        "options": {"type": "object"},
    },
}
UPLOAD_30 = doc30({"/submit": multipart_op("submit", SUBMIT)})


# -- multipart file parts ---------------------------------------------------------------------


def test_file_parts_carry_filename_type_and_exact_bytes() -> None:
    sample = {
        "filename": "sample.exe",
        "content_base64": b64(EXE),
        "media_type": "application/x-dosexec",
    }
    body = {
        "file": sample,
        "attachments": [{"filename": "a.bin", "content_base64": b64(b"\x00\x01")}, "notes ü"],
        "comment": "seen twice",
        "options": {"timeout": 60},
    }
    request = send(app_from(UPLOAD_30), "submit", {"body": body})
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert [described(part) for part in parts(request)] == [
        ("file", "sample.exe", "application/x-dosexec", EXE),
        ("attachments", "a.bin", "application/octet-stream", b"\x00\x01"),
        ("attachments", "attachments", "text/plain; charset=utf-8", "notes ü".encode()),
        ("comment", None, None, b"seen twice"),
        ("options", None, None, b'{"timeout":60}'),
    ]


def test_text_for_a_file_field_is_a_text_file_named_after_the_field() -> None:
    request = send(app_from(UPLOAD_30), "submit", {"body": {"file": "line 1\nline 2\n"}})
    [part] = parts(request)
    assert described(part) == ("file", "file", "text/plain; charset=utf-8", b"line 1\nline 2\n")


def test_bad_base64_is_a_parameter_problem_and_nothing_is_sent() -> None:
    app = app_from(UPLOAD_30)
    sample = {"filename": "s.exe", "content_base64": "not base64!"}
    assert refused(app, "submit", {"body": {"file": sample}}) == {
        "params.body.file": "not valid base64"
    }
    attachments = [
        {"filename": "a", "content_base64": "QUJD"},
        {"filename": "b", "content_base64": "QUJ"},
    ]
    assert refused(app, "submit", {"body": {"file": "x", "attachments": attachments}}) == {
        "params.body.attachments[1]": "not valid base64"
    }


def test_line_broken_base64_is_accepted() -> None:
    wrapped = "\n".join(b64(EXE * 3)[i : i + 76] for i in range(0, len(b64(EXE * 3)), 76))
    sample = {"filename": "s.exe", "content_base64": wrapped}
    [part] = parts(send(app_from(UPLOAD_30), "submit", {"body": {"file": sample}}))
    assert described(part)[3] == EXE * 3


def test_file_schema_accepts_text_or_a_file_object() -> None:
    app = app_from(UPLOAD_30)
    schema = app.actions["submit"].params_schema()
    Draft202012Validator.check_schema(schema)
    file = schema["properties"]["body"]["properties"]["file"]
    assert file["description"] == "The sample."
    text, obj = file["oneOf"]
    assert text["type"] == "string"
    assert obj["type"] == "object" and obj["additionalProperties"] is False
    assert set(obj["properties"]) == {"filename", "content_base64", "media_type"}
    assert obj["required"] == ["filename", "content_base64"]
    items = schema["properties"]["body"]["properties"]["attachments"]["items"]
    assert [option["type"] for option in items["oneOf"]] == ["string", "object"]
    # what the document said stays in the stored spec
    stored = import_openapi(UPLOAD_30, validate_document=False).app_spec["actions"][0]
    assert stored["params_schema"]["properties"]["body"]["properties"]["file"]["format"] == "binary"


def test_malformed_file_objects_are_reported_by_field() -> None:
    app = app_from(UPLOAD_30)
    assert refused(app, "submit", {"body": {"file": {"filename": "x.exe"}}}) == {
        "params.body.file.content_base64": "is required"
    }
    smuggled = {"filename": "x", "content_base64": "", "media_type": "text/plain\r\nX-Evil: 1"}
    assert list(refused(app, "submit", {"body": {"file": smuggled}})) == [
        "params.body.file.media_type"
    ]
    assert list(refused(app, "submit", {"body": {"file": 5}})) == ["params.body.file"]


# -- Swagger 2.0 and OpenAPI 3.1 ----------------------------------------------------------------

SWAGGER = """
swagger: "2.0"
info: {title: Ticket API, version: "1"}
host: tickets.example.test
basePath: /api
schemes: [https]
paths:
  /tickets/{id}/attachments:
    post:
      operationId: attach
      consumes: [multipart/form-data]
      parameters:
        - {name: id, in: path, required: true, type: integer}
        - {name: file, in: formData, type: file, required: true}
        - {name: note, in: formData, type: string}
"""


def test_swagger_2_form_data_file() -> None:
    sample = {
        "filename": "mail.msg",
        "content_base64": b64(EXE),
        "media_type": "application/vnd.ms-outlook",
    }
    params = {"id": 7, "body": {"file": sample, "note": "phish"}}
    request = send(app_from(SWAGGER), "attach", params)
    assert request.url.path == "/api/tickets/7/attachments"
    assert [described(part) for part in parts(request)] == [
        ("file", "mail.msg", "application/vnd.ms-outlook", EXE),
        ("note", None, None, b"phish"),
    ]


def test_openapi_31_content_media_type_and_encoding() -> None:
    schema = {
        "type": "object",
        "properties": {
            "image": {"type": "string", "contentMediaType": "image/png"},
            "archive": {"type": ["string", "null"], "contentEncoding": "base64"},
            "meta": {"type": "string", "contentMediaType": "application/json"},
        },
    }
    app = app_from(doc30({"/scan": multipart_op("scan", schema)}, version="3.1.0"))
    body = {
        "image": {"filename": "shot.png", "content_base64": b64(PNG)},
        "archive": {"filename": "a.zip", "content_base64": b64(b"PK\x03\x04")},
        "meta": '{"a": 1}',
    }
    assert [described(part) for part in parts(send(app, "scan", {"body": body}))] == [
        ("image", "shot.png", "image/png", PNG),  # the schema's media type is the default
        ("archive", "a.zip", "application/octet-stream", b"PK\x03\x04"),
        ("meta", None, None, b'{"a": 1}'),  # JSON in a string is not a file
    ]
    request = send(app, "scan", {"body": {"archive": None, "meta": "{}"}})
    assert [described(part)[0] for part in parts(request)] == ["meta"]


def test_file_fields_inside_all_of_as_discord_writes_them() -> None:
    message = {"type": "object", "properties": {"content": {"type": "string"}}}
    extra = {
        "type": "object",
        "properties": {
            f"files[{i}]": {"type": "string", "contentEncoding": "binary"} for i in (0, 1)
        },
    }
    document = doc30({"/messages": multipart_op("post_message", {"allOf": [message, extra]})})
    document["openapi"] = "3.1.0"
    body = {
        "content": "see file",
        "files[0]": {"filename": "ioc.txt", "content_base64": b64(b"1.2.3.4")},
    }
    request = send(app_from(document), "post_message", {"body": body})
    assert [described(part) for part in parts(request)] == [
        ("content", None, None, b"see file"),
        ("files[0]", "ioc.txt", "application/octet-stream", b"1.2.3.4"),
    ]


def test_discord_sticker_upload_finds_files_in_a_real_31_document() -> None:
    path = FIXTURES / "discord.json"
    if not path.exists():
        pytest.skip(f"third-party OpenAPI fixtures not found at {path.resolve()}")
    spec = import_openapi(path.read_bytes(), validate_document=False).app_spec
    [action] = [
        a
        for a in spec["actions"]
        if a["path"] == "/guilds/{guild_id}/stickers" and a["method"] == "POST"
    ]
    sticker = {"filename": "s.png", "content_base64": b64(PNG), "media_type": "image/png"}
    params = {"guild_id": "1", "body": {"name": "wave", "tags": "wave", "file": sticker}}
    transport = FakeTransport(ok)
    run_action(build_app(spec), action["name"], params, {"api_key": "Bot t"}, transport)
    found = {name: rest for name, *rest in map(described, parts(transport.requests[0]))}
    assert found["file"] == ["s.png", "image/png", PNG]
    assert found["name"] == [None, None, b"wave"]


# -- a whole body of bytes ----------------------------------------------------------------------


def raw_op(name: str, media_type: str, schema: dict[str, Any] | None) -> dict[str, Any]:
    media = {} if schema is None else {"schema": schema}
    content = {media_type: media}
    return {"put": {"operationId": name, "requestBody": {"content": content, "required": True}}}


RAW = doc30(
    {
        "/blob": raw_op("put_blob", "application/octet-stream", BINARY),
        "/image": raw_op("put_image", "image/png", {"type": "string", "format": "binary"}),
        "/note": raw_op("put_note", "text/plain", {"type": "string"}),
    }
)


@pytest.mark.parametrize(
    "body", [b64(EXE), {"content_base64": b64(EXE)}, {"filename": "x", "content_base64": b64(EXE)}]
)
def test_binary_body_is_sent_as_raw_bytes(body: Any) -> None:
    request = send(app_from(RAW), "put_blob", {"body": body})
    assert request.headers["content-type"] == "application/octet-stream"
    assert request.read() == EXE


def test_binary_body_keeps_the_document_media_type_and_rejects_bad_base64() -> None:
    app = app_from(RAW)
    request = send(app, "put_image", {"body": {"content_base64": b64(PNG), "media_type": "x/y"}})
    assert (request.headers["content-type"], request.read()) == ("image/png", PNG)
    assert refused(app, "put_blob", {"body": "%%%"}) == {"params.body": "not valid base64"}
    # text bodies are still text, not base64
    assert send(app, "put_note", {"body": "QUJD"}).read() == b"QUJD"


def test_openapi_31_body_without_schema_is_bytes() -> None:
    app = app_from(doc30({"/blob": raw_op("put_blob", "application/zip", None)}, "3.1.0"))
    request = send(app, "put_blob", {"body": b64(b"PK\x05\x06")})
    assert (request.headers["content-type"], request.read()) == ("application/zip", b"PK\x05\x06")


# -- responses ----------------------------------------------------------------------------------

GET = doc30({"/r": {"get": {"operationId": "r"}}})


def answer(content: bytes, content_type: str | None) -> FakeTransport:
    headers = {"content-type": content_type} if content_type else {}
    return FakeTransport(lambda request: httpx.Response(200, content=content, headers=headers))


def result_body(content: bytes, content_type: str | None) -> Any:
    return run_action(app_from(GET), "r", {}, {}, answer(content, content_type))["body"]


@pytest.mark.parametrize(
    ("content_type", "content"),
    [("application/zip", b"PK\x03\x04\x00\xff"), ("image/png", PNG), (None, b"\xff\xfe\x00")],
)
def test_binary_response_is_base64_with_size_and_sha256(
    content_type: str | None, content: bytes
) -> None:
    body = result_body(content, content_type)
    assert body == {
        "base64": b64(content),
        "media_type": content_type or "application/octet-stream",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }
    assert base64.b64decode(body["base64"]) == content
    json.dumps(body)  # a step result must be JSON


@pytest.mark.parametrize(
    ("content_type", "content", "expected"),
    [
        ("text/csv; charset=utf-8", b"a,b\n", "a,b\n"),
        ("application/xml", b"<a/>", "<a/>"),
        ("application/atom+xml", b"<feed/>", "<feed/>"),
        ("application/x-www-form-urlencoded", b"a=1", "a=1"),
        ("application/problem+json", b'{"title": "x"}', {"title": "x"}),
        ("application/json", b"not json", "not json"),
        (None, "héllo".encode(), "héllo"),
    ],
)
def test_json_and_text_responses_stay_readable(
    content_type: str | None, content: bytes, expected: Any
) -> None:
    assert result_body(content, content_type) == expected


def test_a_downloaded_file_can_be_uploaded_by_the_next_step() -> None:
    download = FakeTransport(
        lambda r: httpx.Response(
            200, content=EXE, headers={"content-type": "application/x-dosexec"}
        )
    )
    got = run_action(app_from(GET), "r", {}, {}, download)["body"]
    sample = {
        "filename": "sample.exe",
        "content_base64": got["base64"],
        "media_type": got["media_type"],
    }
    [part] = parts(send(app_from(UPLOAD_30), "submit", {"body": {"file": sample}}))
    assert described(part) == ("file", "sample.exe", "application/x-dosexec", EXE)
    assert hashlib.sha256(described(part)[3]).hexdigest() == got["sha256"]
