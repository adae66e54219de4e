"""The ``discord`` app against the Discord webhook stand-in, over real HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from threatflow.apps.builtin.discord import MAX_RATE_LIMIT_RETRIES, app
from threatflow.apps.testing import run_action_async
from threatflow.errors import HttpError, ParamsInvalid
from threatflow.standins import DiscordStandIn, Reply

pytestmark = pytest.mark.integration

DISCORD_SPEC = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "openapi" / "discord.json"
)
EMBED = {
    "title": "Brute force from 222.186.30.76",
    "description": "Wazuh rule 5712",
    "color": 0xE74C3C,
    "fields": [{"name": "Agent", "value": "web-01", "inline": True}],
    "footer": {"text": "Threatflow"},
}


def run(standin: DiscordStandIn, action: str, params: dict[str, Any], url: str = "") -> Any:
    credentials = {"webhook_url": url or standin.webhook_url}
    transport = httpx.AsyncHTTPTransport()
    return asyncio.run(run_action_async(app, action, params, credentials, transport))


def webhook_path(standin: DiscordStandIn) -> str:
    return f"/api/webhooks/{standin.service.webhook_id}/{standin.service.token}"


def test_send_message_waits_for_the_message_object(discord_standin: DiscordStandIn) -> None:
    message = run(discord_standin, "send_message", {"content": "Alert!", "username": "Threatflow"})

    assert message["content"] == "Alert!" and message["id"].isdigit()
    assert message["author"]["username"] == "Threatflow"
    [sent] = discord_standin.requests
    assert (sent["method"], sent["path"], sent["status"]) == (
        "POST",
        webhook_path(discord_standin),
        200,
    )
    assert sent["query"] == {"wait": "true"}
    assert sent["headers"]["Content-Type"] == "application/json"
    assert sent["body"] == {
        "content": "Alert!",
        "username": "Threatflow",
        "allowed_mentions": {"parse": []},
    }


def test_send_message_without_wait_gets_204(discord_standin: DiscordStandIn) -> None:
    params = {"embeds": [EMBED], "wait": False, "allow_mentions": True, "tts": True}
    result = run(discord_standin, "send_message", params)

    assert result == {"sent": True}
    [sent] = discord_standin.requests
    assert (sent["status"], sent["query"]) == (204, {"wait": "false"})
    assert sent["body"] == {"embeds": [EMBED], "tts": True}
    assert discord_standin.service.messages[0]["embeds"][0]["type"] == "rich"


def test_request_body_matches_discords_published_schema(discord_standin: DiscordStandIn) -> None:
    if not DISCORD_SPEC.is_file():
        pytest.skip(f"shared fixtures not found at {DISCORD_SPEC}")
    spec = json.loads(DISCORD_SPEC.read_text())
    registry = Registry().with_resource("urn:discord", DRAFT202012.create_resource(spec))
    schema = {"$ref": "urn:discord#/components/schemas/IncomingWebhookRequestPartial"}
    validator = Draft202012Validator(schema, registry=registry)
    params = {
        "content": "x" * 2000,
        "username": "Threatflow",
        "avatar_url": "https://example.org/a.png",
        "embeds": [EMBED] * 10,
        "thread_id": "42",
    }
    run(discord_standin, "send_message", params)
    sent = discord_standin.requests[0]
    assert list(validator.iter_errors(sent["body"])) == []
    assert sent["query"]["thread_id"] == "42"


@pytest.mark.parametrize(
    "params",
    [
        {"content": "x" * 2001},
        {},
        {"content": "", "embeds": []},
        {"content": "hi", "embeds": [EMBED] * 11},
        {"content": "hi", "username": ""},
    ],
)
def test_invalid_messages_fail_before_any_request(
    discord_standin: DiscordStandIn, params: dict[str, Any]
) -> None:
    with pytest.raises(ParamsInvalid) as caught:
        run(discord_standin, "send_message", params)
    assert (caught.value.error_type, caught.value.retryable) == ("params", False)
    assert discord_standin.requests == []


def test_a_429_is_waited_out_and_retried(discord_standin: DiscordStandIn) -> None:
    discord_standin.rate_limit(count=2, retry_after=0.1)
    started = time.perf_counter()
    message = run(discord_standin, "send_message", {"content": "after the limit"})

    assert time.perf_counter() - started >= 0.2
    assert message["content"] == "after the limit"
    assert [r["status"] for r in discord_standin.requests] == [429, 429, 200]


def test_persistent_429_ends_with_a_retryable_error(discord_standin: DiscordStandIn) -> None:
    discord_standin.rate_limit(count=10, retry_after=0.01)
    with pytest.raises(HttpError) as caught:
        run(discord_standin, "send_message", {"content": "x"})
    assert (caught.value.status, caught.value.retryable) == (429, True)
    assert len(discord_standin.requests) == MAX_RATE_LIMIT_RETRIES + 1


def test_a_429_longer_than_the_wait_budget_is_not_slept(discord_standin: DiscordStandIn) -> None:
    discord_standin.rate_limit(count=1, retry_after=31)
    started = time.perf_counter()
    with pytest.raises(HttpError) as caught:
        run(discord_standin, "send_message", {"content": "x"})
    assert caught.value.retryable is True
    assert time.perf_counter() - started < 5
    assert len(discord_standin.requests) == 1


def test_retry_after_header_is_used_without_a_body(discord_standin: DiscordStandIn) -> None:
    discord_standin.fail_next(Reply.text(429, "slow down", headers={"Retry-After": "0.05"}))
    assert run(discord_standin, "send_message", {"content": "x"})["content"] == "x"
    assert [r["status"] for r in discord_standin.requests] == [429, 200]


def test_wrong_token_and_vendor_validation_errors_are_final(
    discord_standin: DiscordStandIn,
) -> None:
    wrong = discord_standin.webhook_url.rsplit("/", 1)[0] + "/bad-token"
    with pytest.raises(HttpError) as caught:
        run(discord_standin, "send_message", {"content": "x"}, url=wrong)
    assert (caught.value.status, caught.value.retryable) == (401, False)
    assert "bad-token" not in str(caught.value)  # the token part of the URL is redacted

    long_title = {"title": "t" * 257}
    with pytest.raises(HttpError) as caught:
        run(discord_standin, "send_message", {"embeds": [long_title]})
    assert (caught.value.status, caught.value.retryable) == (400, False)
    assert discord_standin.requests[-1]["status"] == 400


def test_standin_answers_like_discord_for_empty_and_invalid_bodies(
    discord_standin: DiscordStandIn,
) -> None:
    url = discord_standin.webhook_url
    empty = httpx.post(url, json={"content": ""})
    assert (empty.status_code, empty.json()["code"]) == (400, 50006)
    invalid = httpx.post(url, json={"content": "x" * 2001, "username": "clyde"})
    body = invalid.json()
    assert (invalid.status_code, body["code"], body["message"]) == (400, 50035, "Invalid Form Body")
    assert set(body["errors"]) == {"content", "username"}
    assert httpx.post(url.replace("/webhooks/1", "/webhooks/9"), json={}).json()["code"] == 10015


def test_server_errors_are_retryable(discord_standin: DiscordStandIn) -> None:
    discord_standin.fail_next(Reply.json(502, {"message": "Bad Gateway", "code": 0}))
    with pytest.raises(HttpError) as caught:
        run(discord_standin, "send_message", {"content": "x"})
    assert (caught.value.status, caught.value.retryable) == (502, True)


def test_test_connection_reads_the_webhook(discord_standin: DiscordStandIn) -> None:
    result = run(discord_standin, "test_connection", {})
    assert result["ok"] is True
    assert result["webhook"]["channel_id"] == discord_standin.service.channel_id
    assert "token" not in result["webhook"]
    assert discord_standin.requests[0]["method"] == "GET"


def test_standin_reads_chunked_bodies(discord_standin: DiscordStandIn) -> None:
    def parts() -> Iterator[bytes]:
        yield b'{"content": '
        yield b'"streamed"}'

    headers = {"Content-Type": "application/json"}
    answer = httpx.post(
        discord_standin.webhook_url + "?wait=true", content=parts(), headers=headers
    )
    assert (answer.status_code, answer.json()["content"]) == (200, "streamed")
    assert discord_standin.requests[0]["body"] == {"content": "streamed"}
