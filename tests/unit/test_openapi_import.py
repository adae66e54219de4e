"""OpenAPI import: real-world fixture specs, small inline documents, and calling the actions."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator

import threatflow.apps.openapi as openapi
from threatflow.apps.openapi import TokenCache, build_app, import_openapi
from threatflow.apps.openapi import _load as load_module
from threatflow.apps.openapi._names import from_method_path, from_operation_id, snake
from threatflow.apps.sdk import App, Category
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError, InvalidInput, ParamsInvalid

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "openapi"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
NAME = re.compile(r"^[a-z][a-z0-9_]{0,79}$")


def fixture_text(name: str) -> bytes:
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"third-party OpenAPI fixtures not found at {path.resolve()}")
    return path.read_bytes()


def count_operations(raw: bytes) -> int:
    """Operations counted straight from the document, independently of the importer."""
    document = yaml.load(raw, Loader=yaml.CSafeLoader)
    return sum(1 for item in document["paths"].values() for key in item if key in METHODS)


@pytest.fixture(scope="module")
def imported() -> dict[str, openapi.ImportResult]:
    files = {"wazuh": "wazuh-4.14.7.yaml", "misp": "misp.yaml", "discord": "discord.json"}
    return {
        key: import_openapi(fixture_text(name), name=key, validate_document=False)
        for key, name in files.items()
    }


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


def call(
    app: App, action: str, params: dict[str, Any], creds: dict[str, Any] | None = None
) -> tuple[Any, FakeTransport]:
    transport = FakeTransport(ok)
    return run_action(app, action, params, creds or {}, transport), transport


def app_from(document: Any, **options: Any) -> App:
    return build_app(import_openapi(document, validate_document=False, **options).app_spec)


def doc30(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Demo API", "version": "2.1"},
        "servers": [{"url": "https://api.example.test/v1"}],
        "paths": paths,
        **extra,
    }


# -- the fixture specs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "file", "expected"),
    [
        ("wazuh", "wazuh-4.14.7.yaml", 182),
        ("misp", "misp.yaml", 148),
        ("discord", "discord.json", 242),
    ],
)
def test_fixture_specs_import_one_action_per_operation(
    imported: dict[str, openapi.ImportResult], key: str, file: str, expected: int
) -> None:
    result = imported[key]
    skipped = [w for w in result.warnings if ": skipped: " in w]
    assert count_operations(fixture_text(file)) == expected
    assert len(result.app_spec["actions"]) == expected - len(skipped)
    names = [action["name"] for action in result.app_spec["actions"]]
    assert len(set(names)) == len(names)
    assert all(NAME.match(name) for name in names), [n for n in names if not NAME.match(n)]
    json.dumps(result.app_spec)  # stored as-is in the database


def test_fixture_schemas_are_valid_json_schema(imported: dict[str, openapi.ImportResult]) -> None:
    discord = {a["name"]: a for a in imported["discord"].app_spec["actions"]}
    sample = [discord[n] for n in ("execute_webhook", "create_message", "list_guild_members")]
    for action in [*imported["wazuh"].app_spec["actions"], *sample]:
        Draft202012Validator.check_schema(action["params_schema"])


def test_wazuh_dotted_operation_ids_become_readable_unique_names(
    imported: dict[str, openapi.ImportResult],
) -> None:
    actions = {a["name"]: a for a in imported["wazuh"].app_spec["actions"]}
    assert (
        actions["delete_agents"]["operation_id"] == "api.controllers.agent_controller.delete_agents"
    )
    # get_daemon_stats and get_status exist in two controllers: each takes its controller
    clashing = {"get_daemon_stats_agent", "get_daemon_stats_manager"}
    clashing |= {"get_status_cluster", "get_status_manager"}
    assert clashing <= set(actions)
    assert "get_status" not in actions
    assert "get_daemon_stats" not in actions


def test_wazuh_templated_server_url_and_jwt(imported: dict[str, openapi.ImportResult]) -> None:
    spec = imported["wazuh"].app_spec
    assert spec["base_url"] == "{protocol}://{host}:{port}"
    fields = {f["name"]: f for f in spec["credential_fields"]}
    assert fields["host"]["default"] == "localhost"
    assert fields["token"]["secret"] and fields["password"]["secret"]
    assert spec["category"] == "SIEM"
    app = build_app(spec)
    params = {"agent_id": "001", "component": "agent", "configuration": "client"}
    _, transport = call(app, "get_agent_config", params, {"host": "wazuh.lan", "token": "jwt"})
    request = transport.requests[0]
    assert str(request.url) == "https://wazuh.lan:55000/agents/001/config/agent/client"
    assert request.headers["authorization"] == "Bearer jwt"


def test_wazuh_authenticate_uses_basic_auth(imported: dict[str, openapi.ImportResult]) -> None:
    app = build_app(imported["wazuh"].app_spec)
    creds = {"username": "wazuh", "password": "s3cret", "token": "unused"}
    _, transport = call(app, "login_user", {}, creds)
    request = transport.requests[0]
    assert (request.method, request.url.path) == ("POST", "/security/user/authenticate")
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"wazuh:s3cret").decode()


def test_misp_bare_authorization_header_and_duplicated_enum(
    imported: dict[str, openapi.ImportResult],
) -> None:
    result = imported["misp"]
    warning = next(w for w in result.warnings if "enum lists 'text' more than once" in w)
    assert "AttributesRestSearchReturnFormat" in warning
    assert result.app_spec["category"] == "Intelligence"
    app = build_app(result.app_spec)
    body = {"value": "203.0.113.7", "returnFormat": "json"}
    _, transport = call(app, "rest_search_attributes", {"body": body}, {"api_key": "K3Y"})
    request = transport.requests[0]
    assert request.headers["authorization"] == "K3Y"  # MISP wants the key, no scheme word
    assert request.headers["accept"] == "application/json"
    assert transport.json() == body


def test_misp_ids_and_uuids_told_apart_by_format(imported: dict[str, openapi.ImportResult]) -> None:
    app = build_app(imported["misp"].app_spec)
    for event_id in ("42", "c99506a6-1255-4b71-afa5-7b8ba48c3b1b"):
        _, transport = call(app, "get_event_by_id", {"eventId": event_id}, {"api_key": "k"})
        assert transport.requests[0].url.path == f"/events/view/{event_id}"
    with pytest.raises(ParamsInvalid) as caught:
        call(app, "get_event_by_id", {"eventId": "not-an-id"}, {"api_key": "k"})
    assert [p.path for p in caught.value.problems] == ["params.eventId"]


def test_misp_document_check_reports_the_duplicate_enum() -> None:
    result = import_openapi(fixture_text("misp.yaml"))
    assert any(w.startswith("document check") and "non-unique" in w for w in result.warnings)
    assert len(result.app_spec["actions"]) == 148


def test_discord_31_webhook_and_oauth2_fields(imported: dict[str, openapi.ImportResult]) -> None:
    spec = imported["discord"].app_spec
    assert spec["openapi_version"] == "3.1.0"
    assert spec["category"] == "Communication"
    fields = {f["name"]: f for f in spec["credential_fields"]}
    assert fields["token_url"]["default"] == "https://discord.com/api/oauth2/token"
    app = build_app(spec)
    params = {"webhook_id": "123", "webhook_token": "tok", "wait": True, "body": {"content": "hi"}}
    result, transport = call(app, "execute_webhook", params)
    request = transport.requests[0]
    assert str(request.url) == "https://discord.com/api/v10/webhooks/123/tok?wait=true"
    assert "authorization" not in request.headers  # security lists {} as an alternative
    assert transport.json() == {"content": "hi"}
    assert result["status"] == 200 and result["body"] == {"ok": True}


# -- documents that are not OpenAPI -----------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        b"",
        b"just some text",
        b"{not json: [",
        b"- a\n- list\n",
        json.dumps({"name": "package.json", "version": "1.0.0"}),
        {"swagger": "1.2", "apis": []},
        {"openapi": "4.0.0", "paths": {}},
        b"\xff\xfe\x00garbage",
    ],
)
def test_not_openapi_raises_invalid_input(document: Any) -> None:
    with pytest.raises(InvalidInput):
        import_openapi(document)


def test_yaml_alias_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_module, "MAX_NODES", 10_000)
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    levels += [
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}]"
        for p, c in zip("abcde", "bcdef", strict=True)
    ]
    with pytest.raises(InvalidInput, match="too large"):
        import_openapi("openapi: 3.0.0\n" + "\n".join(levels))


# -- references and schemas -------------------------------------------------------------------


REFS_DOC = """
openapi: 3.0.3
info: {title: Trees, version: "1"}
servers: [{url: "https://trees.example.test"}]
components:
  parameters:
    Limit: {name: limit, in: query, schema: {$ref: "#/components/schemas/Count"}}
  schemas:
    Count: {type: integer, minimum: 1, exclusiveMaximum: true, maximum: 100}
    Node:
      type: object
      required: [name, id]
      properties:
        id: {type: string, readOnly: true}
        name: {type: string, nullable: true, example: root}
        children: {type: array, items: {$ref: "#/components/schemas/Node"}}
  requestBodies:
    Tree:
      required: true
      content: {application/json: {schema: {$ref: "#/components/schemas/Node"}}}
paths:
  /trees/{tree~id}:
    parameters: [{$ref: "#/components/parameters/Limit"}]
    put: {operationId: putTree, requestBody: {$ref: "#/components/requestBodies/Tree"}}
"""


def test_refs_are_inlined_and_recursion_is_cut() -> None:
    result = import_openapi(REFS_DOC, validate_document=False)
    schema = result.app_spec["actions"][0]["params_schema"]
    assert schema["properties"]["limit"] == {
        "type": "integer",
        "minimum": 1,
        "exclusiveMaximum": 100,
    }
    body = schema["properties"]["body"]
    assert body["required"] == ["name"]  # readOnly "id" only exists in responses
    assert body["properties"]["name"] == {"type": ["string", "null"], "examples": ["root"]}
    assert "recursive" in body["properties"]["children"]["items"]["description"]
    assert any("#/components/schemas/Node: refers to itself" in w for w in result.warnings)
    assert schema["required"] == ["tree~id", "body"]
    Draft202012Validator.check_schema(schema)


def test_unresolvable_and_external_refs_are_warnings_never_fetches() -> None:
    paths = {
        "/a": {"get": {"parameters": [{"name": "q", "in": "query", "schema": {"$ref": "#/nope"}}]}},
        "/b": {"get": {"parameters": [{"$ref": "http://127.0.0.1:9/params.yaml#/Q"}]}},
        "/c": {"get": {"operationId": "fine"}},
    }
    result = import_openapi(doc30(paths))
    names = [a["name"] for a in result.app_spec["actions"]]
    assert names == ["get_a", "fine"]
    assert any("cannot resolve $ref '#/nope'" in w for w in result.warnings)
    assert any(
        w.startswith("GET /b: skipped: cannot resolve parameter $ref") for w in result.warnings
    )
    assert any(w.startswith("document check skipped") for w in result.warnings)


def test_bad_patterns_and_bounds_are_dropped_with_warnings() -> None:
    schema = {"type": "string", "pattern": "^\\p{L}+$", "minLength": "3", "type_": 1}
    paths = {"/x": {"get": {"parameters": [{"name": "n", "in": "query", "schema": schema}]}}}
    result = import_openapi(doc30(paths), validate_document=False)
    prop = result.app_spec["actions"][0]["params_schema"]["properties"]["n"]
    assert "pattern" not in prop and "minLength" not in prop
    assert any("not a usable regex" in w for w in result.warnings)
    assert any("minLength '3' is not a valid bound" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("components",), 5),
        (("components", "schemas"), "x"),
        (
            ("paths", "/trees/{tree~id}", "put", "parameters"),
            [{"name": "q", "in": [], "style": []}],
        ),
        (("components", "parameters", "Limit", "style"), ["form"]),
    ],
)
def test_malformed_parts_are_warnings_not_crashes(path: tuple[str, ...], value: Any) -> None:
    document = yaml.safe_load(REFS_DOC)
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    result = import_openapi(document, validate_document=False)
    assert result.warnings
    build_app(result.app_spec)


# -- names ------------------------------------------------------------------------------------


def test_names() -> None:
    assert snake("getAgentsByID") == "get_agents_by_id"
    assert snake("HTTPServer-list") == "http_server_list"
    assert from_operation_id("api.controllers.agent_controller.delete_agents") is not None
    candidate = from_operation_id("api.controllers.agent_controller.delete_agents")
    assert candidate is not None and candidate.base == "delete_agents"
    assert candidate.qualifiers[0] == "agent"
    assert (
        from_method_path("get", "/guilds/{guild.id}/members").base
        == "get_guilds_by_guild_id_members"
    )
    assert from_method_path("post", "/").base == "post"


def test_clashing_names_without_namespace_are_numbered() -> None:
    paths = {
        "/a": {"get": {"operationId": "list"}, "post": {"operationId": "list"}},
        "/b": {"get": {"operationId": "List"}},
    }
    result = import_openapi(doc30(paths), validate_document=False)
    assert [a["name"] for a in result.app_spec["actions"]] == ["list", "list_2", "list_3"]


# -- parameter placement ----------------------------------------------------------------------


PLACEMENT_DOC = """
openapi: 3.0.3
info: {title: Items, version: "1"}
servers: [{url: "https://api.example.test/v1"}]
paths:
  /items/{id}/{coords}:
    post:
      operationId: updateItem
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
        - {name: coords, in: path, required: true, style: matrix, explode: true,
           schema: {type: object}}
        - {name: id, in: query, schema: {type: string}}
        - {name: tags, in: query, schema: {type: array, items: {type: string}}}
        - {name: ids, in: query, explode: false, schema: {type: array}}
        - {name: levels, in: query, style: pipeDelimited, explode: false, schema: {type: array}}
        - {name: filter, in: query, style: deepObject, schema: {type: object}}
        - {name: X-Trace, in: header, schema: {type: array}}
        - {name: Authorization, in: header, schema: {type: string}}
        - {name: session, in: cookie, schema: {type: string}}
        - {name: body, in: query, schema: {type: boolean}}
      requestBody:
        content: {application/xml: {}, application/json: {schema: {type: object}}}
"""


def test_parameters_go_where_the_document_says() -> None:
    result = import_openapi(PLACEMENT_DOC, validate_document=False)
    action = result.app_spec["actions"][0]
    where = {p["name"]: (p["location"], p["wire_name"]) for p in action["parameters"]}
    assert where["id_path"] == ("path", "id") and where["id_query"] == ("query", "id")
    assert "Authorization" not in where  # OpenAPI says to ignore it; security schemes do that
    assert action["body"] == {
        "name": "request_body",
        "media_type": "application/json",
        "required": False,
    }
    params = {
        "id_path": "7",
        "coords": {"x": 1, "y": 2},
        "id_query": "a b",
        "tags": ["t1", "t2"],
        "ids": [1, 2],
        "levels": ["low", "high"],
        "filter": {"color": "red"},
        "X-Trace": ["a", "b"],
        "session": "s1",
        "body": False,
        "request_body": {"name": "n"},
    }
    _, transport = call(build_app(result.app_spec), "update_item", params)
    request = transport.requests[0]
    assert request.url.path == "/v1/items/7/;x=1;y=2"
    assert parse_qs(request.url.query.decode()) == {
        "id": ["a b"],
        "tags": ["t1", "t2"],
        "ids": ["1,2"],
        "levels": ["low|high"],
        "filter[color]": ["red"],
        "body": ["false"],
    }
    assert request.headers["x-trace"] == "a,b"
    assert request.headers["cookie"] == "session=s1"
    assert request.headers["content-type"] == "application/json"
    assert transport.json() == {"name": "n"}


def test_form_and_multipart_bodies() -> None:
    form = {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}
    multipart = {"multipart/form-data": {"schema": {"type": "object"}}}
    paths = {
        "/form": {"post": {"operationId": "form", "requestBody": {"content": form}}},
        "/upload": {"post": {"operationId": "upload", "requestBody": {"content": multipart}}},
    }
    app = app_from(doc30(paths))
    _, transport = call(app, "form", {"body": {"a": "1", "b": [True, 2], "c": None}})
    assert transport.requests[0].content == b"a=1&b=true&b=2"
    _, transport = call(app, "upload", {"body": {"payload_json": {"k": "v"}}})
    request = transport.requests[0]
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="payload_json"\r\n\r\n{"k":"v"}' in request.read()


# -- Swagger 2.0 ------------------------------------------------------------------------------

SWAGGER = """
swagger: "2.0"
info: {title: Legacy Ticket API, version: "1"}
host: tickets.example.test
basePath: /api
schemes: [https]
consumes: [application/json]
securityDefinitions:
  basic: {type: basic}
  key: {type: apiKey, in: query, name: auth_token}
  oauth: {type: oauth2, flow: application, tokenUrl: "https://sso.example.test/token"}
  implicit: {type: oauth2, flow: implicit, authorizationUrl: "https://x/auth"}
security: [{key: []}]
definitions:
  Ticket:
    type: object
    required: [title]
    properties: {title: {type: string}, owner: {type: string, x-nullable: true}}
paths:
  /tickets:
    get:
      operationId: listTickets
      parameters:
        - {name: ids, in: query, type: array, items: {type: integer}, collectionFormat: csv}
        - {name: tag, in: query, type: array, items: {type: string}, collectionFormat: multi}
        - {name: limit, in: query, type: integer, maximum: 50}
    post:
      operationId: createTicket
      security: [{basic: []}]
      parameters:
        - {name: ticket, in: body, required: true, schema: {$ref: "#/definitions/Ticket"}}
  /tickets/{id}/attachments:
    post:
      security: [{implicit: []}]
      consumes: [multipart/form-data]
      parameters:
        - {name: id, in: path, required: true, type: integer}
        - {name: file, in: formData, type: file, required: true}
        - {name: note, in: formData, type: string}
"""


def test_swagger_2_import() -> None:
    result = import_openapi(SWAGGER)
    spec = result.app_spec
    assert spec["base_url"] == "https://tickets.example.test/api"
    assert spec["category"] == "Case Management"
    assert {s: v["kind"] for s, v in spec["security_schemes"].items()} == {
        "basic": "basic",
        "key": "api_key",
        "oauth": "oauth2_client_credentials",
    }
    assert any(
        "'implicit'" in w and "only the OAuth2 client credentials" in w for w in result.warnings
    )
    assert any(w.startswith("1 operation(s) need a security scheme") for w in result.warnings)
    actions = {a["name"]: a for a in spec["actions"]}
    assert set(actions) == {"list_tickets", "create_ticket", "post_tickets_by_id_attachments"}
    body = actions["create_ticket"]["params_schema"]["properties"]["body"]
    assert body["properties"]["owner"] == {"type": ["string", "null"]}
    upload = actions["post_tickets_by_id_attachments"]
    assert upload["body"]["media_type"] == "multipart/form-data"
    assert upload["params_schema"]["properties"]["body"]["properties"]["file"] == {
        "type": "string",
        "format": "binary",
    }

    app = build_app(spec)
    params = {"ids": [1, 2], "tag": ["a", "b"], "limit": "10"}  # text from a form is read as int
    _, transport = call(app, "list_tickets", params, {"api_key": "t0k"})
    query = parse_qs(transport.requests[0].url.query.decode())
    assert query == {"ids": ["1,2"], "tag": ["a", "b"], "limit": ["10"], "auth_token": ["t0k"]}
    _, transport = call(
        app, "create_ticket", {"body": {"title": "x"}}, {"username": "u", "password": "p"}
    )
    assert transport.requests[0].headers["authorization"].startswith("Basic ")


# -- validation before any request ------------------------------------------------------------


def test_invalid_parameters_are_reported_with_paths_before_any_request() -> None:
    app = app_from(SWAGGER)
    transport = FakeTransport(ok)
    params = {"ids": ["one"], "limit": 99, "bogus": 1}
    with pytest.raises(ParamsInvalid) as caught:
        run_action(app, "list_tickets", params, {"api_key": "k"}, transport)
    problems = {p.path: p.code for p in caught.value.problems}
    assert problems == {
        "params.ids[0]": "type",
        "params.limit": "maximum",
        "params.bogus": "unexpected",
    }
    assert caught.value.retryable is False
    with pytest.raises(ParamsInvalid) as caught:
        run_action(app, "create_ticket", {"body": {"owner": None}}, {"username": "u"}, transport)
    assert [p.path for p in caught.value.problems] == ["params.body.title"]
    assert transport.requests == []


def test_any_of_reports_the_closest_alternative() -> None:
    schema = {
        "anyOf": [
            {"type": "object", "properties": {"content": {"type": "string"}}},
            {"type": "array"},
        ]
    }
    paths = {
        "/m": {
            "post": {
                "operationId": "send",
                "requestBody": {"content": {"application/json": {"schema": schema}}},
            }
        }
    }
    app = app_from(doc30(paths))
    with pytest.raises(ParamsInvalid) as caught:
        call(app, "send", {"body": {"content": 5}})
    assert [p.path for p in caught.value.problems] == ["params.body.content"]


# -- authentication ---------------------------------------------------------------------------


def auth_doc() -> dict[str, Any]:
    schemes = {
        "header": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        "cookie": {"type": "apiKey", "in": "cookie", "name": "sid"},
        "bearer": {"type": "http", "scheme": "bearer"},
        "digest": {"type": "http", "scheme": "digest"},
    }
    paths = {
        "/h": {"get": {"operationId": "by_header", "security": [{"header": []}]}},
        "/c": {"get": {"operationId": "by_cookie", "security": [{"cookie": []}]}},
        "/e": {"get": {"operationId": "either", "security": [{"bearer": []}, {"header": []}]}},
        "/o": {"get": {"operationId": "optional", "security": [{}, {"bearer": []}]}},
        "/p": {"get": {"operationId": "public", "security": []}},
    }
    return doc30(paths, components={"securitySchemes": schemes}, security=[{"bearer": []}])


def test_auth_placement_for_each_scheme() -> None:
    result = import_openapi(auth_doc(), validate_document=False)
    assert any("'digest'" in w and "not supported" in w for w in result.warnings)
    fields = [f["name"] for f in result.app_spec["credential_fields"]]
    assert fields == ["base_url", "header", "cookie", "token"]  # two API keys: named by scheme
    app = build_app(result.app_spec)
    creds = {"header": "hk", "cookie": "ck", "token": "bt"}

    def headers(action: str, credentials: dict[str, str]) -> httpx.Headers:
        _, transport = call(app, action, {}, credentials)
        return transport.requests[0].headers

    assert headers("by_header", creds)["x-api-key"] == "hk"
    assert headers("by_cookie", creds)["cookie"] == "sid=ck"
    assert headers("either", creds)["authorization"] == "Bearer bt"
    assert headers("either", {"header": "hk"})["x-api-key"] == "hk"
    assert headers("optional", creds)["authorization"] == "Bearer bt"
    assert "authorization" not in headers("optional", {})
    assert "authorization" not in headers("public", creds)


def test_missing_credentials_fail_before_sending() -> None:
    app = app_from(auth_doc())
    transport = FakeTransport(ok)
    with pytest.raises(ActionError) as caught:
        run_action(app, "either", {}, {"cookie": "ck"}, transport)
    assert caught.value.error_type == "credential"
    assert "token (scheme 'bearer') or header (scheme 'header')" in str(caught.value)
    assert transport.requests == []


def oauth_doc() -> dict[str, Any]:
    flows = {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": {"read": "", "write": ""}}}
    schemes = {"cc": {"type": "oauth2", "flows": flows}}
    paths = {"/things": {"get": {"operationId": "things", "security": [{"cc": ["read"]}]}}}
    return doc30(paths, components={"securitySchemes": schemes})


class OAuthServer:
    """Answers the token endpoint and the API; the API refuses tokens listed in ``revoked``."""

    def __init__(self, expires_in: int | None = 3600) -> None:
        self.issued = 0
        self.expires_in = expires_in
        self.revoked: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            self.issued += 1
            token: dict[str, Any] = {"access_token": f"at{self.issued}", "token_type": "Bearer"}
            if self.expires_in is not None:
                token["expires_in"] = self.expires_in
            return httpx.Response(200, json=token)
        if request.headers.get("authorization", "").removeprefix("Bearer ") in self.revoked:
            return httpx.Response(401, json={"error": "invalid_token"})
        return httpx.Response(200, json={"auth": request.headers.get("authorization")})


def test_oauth2_client_credentials_token_is_fetched_once_and_cached() -> None:
    now = [1000.0]
    app = build_app(
        import_openapi(
            oauth_doc(), source_url="https://sso.example.test/spec.json", validate_document=False
        ).app_spec,
        token_cache=TokenCache(clock=lambda: now[0]),
    )
    server = OAuthServer(expires_in=3600)
    transport = FakeTransport(server)
    creds = {"client_id": "cid", "client_secret": "cs"}
    first = run_action(app, "things", {}, creds, transport)
    second = run_action(app, "things", {}, creds, transport)
    assert first["body"] == second["body"] == {"auth": "Bearer at1"}
    assert server.issued == 1
    token_request = transport.requests[0]
    assert str(token_request.url) == "https://sso.example.test/oauth/token"
    assert parse_qs(token_request.content.decode()) == {
        "grant_type": ["client_credentials"],
        "scope": ["read"],
    }
    assert token_request.headers["authorization"] == "Basic " + base64.b64encode(b"cid:cs").decode()

    run_action(app, "things", {}, {**creds, "client_id": "other"}, transport)
    assert server.issued == 2  # one token per credential
    now[0] += 3600
    assert run_action(app, "things", {}, creds, transport)["body"] == {"auth": "Bearer at3"}


def test_oauth2_revoked_token_is_replaced_once() -> None:
    spec = import_openapi(oauth_doc(), validate_document=False).app_spec
    app = build_app(spec, token_cache=TokenCache())
    server = OAuthServer(expires_in=None)
    transport = FakeTransport(server)
    creds = {
        "client_id": "cid",
        "client_secret": "cs",
        "token_url": "https://sso.example.test/oauth/token",
        "base_url": "https://api.example.test",
    }
    run_action(app, "things", {}, creds, transport)
    server.revoked.add("at1")
    assert run_action(app, "things", {}, creds, transport)["body"] == {"auth": "Bearer at2"}
    server.revoked.add("at2")
    server.revoked.add("at3")
    with pytest.raises(HttpError) as caught:
        run_action(app, "things", {}, creds, transport)
    assert caught.value.status == 401 and server.issued == 3


# -- servers, responses, the app --------------------------------------------------------------


def test_relative_server_needs_base_url() -> None:
    document = doc30({"/ping": {"get": {"operationId": "ping"}}}, servers=[{"url": "/api"}])
    result = import_openapi(document, validate_document=False)
    assert any("no absolute server URL" in w for w in result.warnings)
    fields = {f["name"]: f for f in result.app_spec["credential_fields"]}
    assert fields["base_url"]["required"] is True
    app = build_app(result.app_spec)
    with pytest.raises(ActionError) as caught:
        call(app, "ping", {})
    assert caught.value.error_type == "credential"
    _, transport = call(app, "ping", {}, {"base_url": "http://tool.internal.test:8080/api/"})
    assert str(transport.requests[0].url) == "http://tool.internal.test:8080/api/ping"
    relative = import_openapi(
        document, source_url="https://tool.test/docs/openapi.json", validate_document=False
    )
    assert relative.app_spec["base_url"] == "https://tool.test/api"


def test_responses_json_text_and_errors() -> None:
    app = app_from(doc30({"/r": {"get": {"operationId": "r"}}}))

    def answer(status: int, **kwargs: Any) -> FakeTransport:
        return FakeTransport(lambda request: httpx.Response(status, **kwargs))

    result = run_action(app, "r", {}, {}, answer(201, json=[1], headers={"X-Rate": "5"}))
    assert result["status"] == 201 and result["body"] == [1] and result["headers"]["x-rate"] == "5"
    result = run_action(app, "r", {}, {}, answer(200, text="plain"))
    assert result["body"] == "plain"
    assert run_action(app, "r", {}, {}, answer(204))["body"] is None
    with pytest.raises(HttpError) as caught:
        run_action(app, "r", {}, {}, answer(404, json={"message": "no such thing"}))
    assert caught.value.status == 404 and not caught.value.retryable
    assert "no such thing" in str(caught.value)
    with pytest.raises(HttpError) as caught:
        run_action(app, "r", {}, {}, answer(503))
    assert caught.value.retryable


def test_build_app_describes_actions_and_round_trips_json() -> None:
    spec = json.loads(
        json.dumps(import_openapi(auth_doc(), name="My Tool!", validate_document=False).app_spec)
    )
    app = build_app(spec)
    assert (app.name, app.source, app.category) == ("my_tool", "openapi", Category.TOOLS)
    described = app.describe()
    json.dumps(described)
    by_name = {a["name"]: a for a in described["actions"]}
    assert by_name["by_header"]["http"] == {"method": "GET", "path": "/h"}
    assert by_name["by_header"]["params_schema"]["additionalProperties"] is False


@pytest.mark.parametrize(
    "spec", [{}, {"format": "other"}, {"format": "threatflow.openapi-app", "format_version": 99}]
)
def test_build_app_rejects_what_it_cannot_run(spec: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        build_app(spec)


def test_public_names() -> None:
    for name in openapi.__all__:
        assert getattr(openapi, name) is not None
