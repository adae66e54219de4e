"""Threatflow's exception tree.

Every error the project raises on purpose derives from :class:`ThreatflowError`. The API maps
each branch to one HTTP status in one place (``threatflow.api.errors``), and the CLI maps them
to exit codes, so callers never branch on the text of a message::

    ThreatflowError
    ├── ConfigError                 bad settings or environment (exit 2)
    ├── InvalidInput                bad data from a caller (HTTP 400/422, exit 2)
    │   ├── WorkflowInvalid         a workflow with one or more problems (422)
    │   ├── PayloadTooLarge         a body over the configured limit (413)
    │   └── ExpressionError         an expression that does not parse or render
    ├── NotFound                    no such workflow, execution, credential, hook... (404)
    ├── Conflict                    the request clashes with current state (409)
    ├── AuthError                   missing or wrong credentials (401)
    ├── Unavailable                 the database or a broker cannot take the write (503)
    └── ActionError                 an app action failed; carries ``error_type`` and ``retryable``
        ├── ActionTimeout           the step ran past its timeout (retryable)
        ├── HttpError               a vendor answered with an error status
        └── ParamsInvalid           parameters did not match the action's schema

Messages are built from structured fields (a step id, a field path) inside the exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class ThreatflowError(Exception):
    """Root of every error Threatflow raises on purpose."""


class ConfigError(ThreatflowError):
    """A setting or environment variable is missing or malformed."""


class InvalidInput(ThreatflowError):
    """Data from a caller is malformed; ``field`` names the offending field when known."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in a workflow, located by a path such as ``steps[2].params.title``."""

    path: str
    message: str
    code: str = "invalid"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message, "code": self.code}


class WorkflowInvalid(InvalidInput):
    """A workflow definition has one or more problems, all reported at once."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        first = "; ".join(str(p) for p in self.problems[:3])
        more = f" (+{count - 3} more)" if count > 3 else ""
        super().__init__(f"workflow has {count} problem(s): {first}{more}")


class PayloadTooLarge(InvalidInput):
    """A request body is larger than ``THREATFLOW_MAX_BODY``."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(f"body of {size} bytes exceeds the limit of {limit} bytes", field="body")


class ExpressionError(InvalidInput):
    """An expression failed to parse or to render."""

    def __init__(self, expression: str, reason: str, *, where: str | None = None) -> None:
        self.expression = expression
        self.reason = reason
        self.where = where
        location = f"{where}: " if where else ""
        super().__init__(f"{location}expression {expression!r}: {reason}")


class NotFound(ThreatflowError):
    """A named object does not exist."""

    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} {key!r} not found")


class Conflict(ThreatflowError):
    """The request clashes with the current state of an object."""


class AuthError(ThreatflowError):
    """Missing, wrong or expired credentials."""


class Unavailable(ThreatflowError):
    """A backing service (database, broker) cannot take the request right now."""


class ActionError(ThreatflowError):
    """An app action failed.

    ``error_type`` is a short, stable classifier (``http``, ``timeout``, ``params``,
    ``connection``, ``vendor``...) that retry policies match on; ``retryable`` says whether
    trying again can help.
    """

    error_type = "action"

    def __init__(
        self,
        message: str,
        *,
        error_type: str | None = None,
        retryable: bool = False,
        details: dict[str, Any] | None = None,
    ) -> None:
        if error_type is not None:
            self.error_type = error_type
        self.retryable = retryable
        self.details = details or {}
        super().__init__(message)


class ActionTimeout(ActionError):
    """A step ran past its timeout."""

    error_type = "timeout"

    def __init__(self, seconds: float) -> None:
        super().__init__(f"timed out after {seconds:g} s", retryable=True)


class HttpError(ActionError):
    """A vendor API answered with an error status; 429 and 5xx are retryable."""

    error_type = "http"

    def __init__(self, status: int, message: str, *, method: str = "", url: str = "") -> None:
        self.status = status
        retryable = status == 429 or status >= 500
        where = f" on {method} {url}" if method else ""
        super().__init__(
            f"HTTP {status}{where}: {message}",
            retryable=retryable,
            details={"status": status},
        )


class ParamsInvalid(ActionError):
    """Parameters do not match the action's schema; never retryable."""

    error_type = "params"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems), retryable=False)
