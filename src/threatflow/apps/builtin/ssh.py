"""Run a command on a host over SSH, with host key checking and an optional allow-list.

The command line is split with :func:`shlex.split` and joined back with every word quoted,
so the remote shell runs one program with literal arguments: pipes, ``;``, ``$(...)`` and
redirections arrive as plain text. The credential's ``allowed_commands`` (one prefix per line,
such as ``systemctl restart`` or ``/usr/local/bin/isolate``) limits what may run.
"""

from __future__ import annotations

import shlex
from typing import Any

from pydantic import Field

from threatflow.apps.builtin._netcommon import SSH_FIELDS, params_problem, run_ssh
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ActionError

app = App(
    "ssh",
    title="SSH command",
    category=Category.ERADICATION,
    description="Run a command on a host over SSH (host key checked, optional allow-list).",
    docs_url="https://asyncssh.readthedocs.io/",
    credential_fields=[
        *SSH_FIELDS,
        CredentialField(
            "allowed_commands",
            required=False,
            description="One allowed command prefix per line (e.g. 'systemctl restart'); "
            "empty allows any command",
        ),
    ],
)


def allowed_prefixes(ctx: ActionContext) -> list[list[str]]:
    """The allow-list as word lists; empty means every command is allowed."""
    text = str(ctx.credentials.get("allowed_commands") or "")
    return [shlex.split(line) for line in text.splitlines() if line.strip()]


def check_allowed(argv: list[str], prefixes: list[list[str]]) -> None:
    """Refuse ``argv`` unless it starts with one of the allowed prefixes, word for word."""
    if not prefixes or any(argv[: len(p)] == p for p in prefixes):
        return
    raise ActionError(
        f"command {argv[0]!r} is not in this credential's allow-list",
        error_type="forbidden",
        details={"allowed": [" ".join(p) for p in prefixes]},
    )


def _argv(command: str) -> list[str]:
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise params_problem("command", f"cannot split the command line: {exc}") from None
    if not argv:
        raise params_problem("command", "the command is empty")
    return argv


@app.action(title="Run command")
async def run_command(
    ctx: ActionContext,
    command: str = Field(min_length=1, max_length=4096, description="Program and arguments"),
    timeout_seconds: float = Field(default=60.0, gt=0, le=3600),
    fail_on_error: bool = Field(default=True, description="Non-zero exit status fails the step"),
) -> dict[str, Any]:
    """Run one program with arguments; returns its exit status, stdout and stderr."""
    argv = _argv(command)
    check_allowed(argv, allowed_prefixes(ctx))
    result = await run_ssh(ctx, shlex.join(argv), time_limit=timeout_seconds)
    if fail_on_error and result.exit_status != 0:
        raise ActionError(
            f"{argv[0]} exited with status {result.exit_status}: {result.stderr.strip()[:300]}",
            error_type="exit_status",
            details=result.as_dict(),
        )
    return result.as_dict()


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Log in and run ``true`` (no allow-list applies: it changes nothing)."""
    result = await run_ssh(ctx, "true", time_limit=30.0)
    return {"ok": result.exit_status == 0, "exit_status": result.exit_status}
