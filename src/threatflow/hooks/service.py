"""Turn an HTTP POST into a committed, queued execution.

Checks run cheapest first: the hook exists and is enabled, the body is within the size limit,
the shared secret or HMAC-SHA256 signature matches, the body parses. The execution (whose
payload is the alert) is committed before the caller hears 202.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import orjson

from threatflow.engine.model import WebhookTrigger
from threatflow.errors import AuthError, InvalidInput, NotFound, PayloadTooLarge
from threatflow.executions.service import ExecutionService
from threatflow.workflows.service import HookTarget

SecretLookup = Callable[[str], Mapping[str, Any]]


def parse_body(body: bytes, content_type: str) -> Any:
    """JSON as it is; form and text bodies wrapped so that steps can still read them."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    text = body.decode("utf-8", "replace")
    if kind in ("", "application/json") or kind.endswith("+json"):
        if not text.strip():
            return {}
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass  # orjson is stricter (huge integers, NaN): let the standard parser decide
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if kind == "":
                return {"body": text}
            raise InvalidInput(f"malformed JSON at line {exc.lineno} column {exc.colno}: "
                               f"{exc.msg}", field="body") from None
    return {"body": text, "content_type": kind}


def _expected_secret(trigger: WebhookTrigger, secrets: SecretLookup) -> bytes:
    if not trigger.secret_credential:
        raise AuthError("the webhook has no secret configured")
    try:
        secret = secrets(trigger.secret_credential).get("secret")
    except NotFound:
        secret = None
    if not secret:
        raise AuthError(f"credential {trigger.secret_credential!r} has no field 'secret'")
    return str(secret).encode()


def verify(trigger: WebhookTrigger, body: bytes, headers: Mapping[str, str],
           secrets: SecretLookup) -> None:
    """Check the shared-secret header and the HMAC signature the trigger asks for."""
    if trigger.secret_header:
        given = headers.get(trigger.secret_header.lower(), "").encode()
        if not hmac.compare_digest(given, _expected_secret(trigger, secrets)):
            raise AuthError(f"missing or wrong {trigger.secret_header} header")
    if trigger.hmac_header:
        given_sig = headers.get(trigger.hmac_header.lower(), "").removeprefix("sha256=")
        digest = hmac.new(_expected_secret(trigger, secrets), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given_sig.lower(), digest):
            raise AuthError(f"missing or wrong {trigger.hmac_header} signature")


class IntakeService:
    def __init__(self, executions: ExecutionService, secrets: SecretLookup,
                 max_body: int) -> None:
        self.executions = executions
        self.secrets = secrets
        self.max_body = max_body

    async def receive(self, target: HookTarget, body: bytes,
                      headers: Mapping[str, str]) -> str:
        """Accept one webhook call for ``target``; returns the committed execution's id."""
        if len(body) > self.max_body:
            raise PayloadTooLarge(len(body), self.max_body)
        verify(target.trigger, body, headers, self.secrets)
        payload = parse_body(body, headers.get("content-type", ""))
        return await self.executions.start(
            target.workflow_id, target.revision, target.workflow, payload,
            source="webhook", trigger_id=target.trigger.id,
        )
