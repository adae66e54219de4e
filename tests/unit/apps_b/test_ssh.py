"""SSH command app over a real local SSH server."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncssh
import pytest
from sshd_stub_b import SshStub, ssh_server

from threatflow.apps.builtin import ssh
from threatflow.apps.testing import run_action_async
from threatflow.errors import ActionError, ParamsInvalid


def _echo(command: str) -> tuple[int, str, str]:
    if command.startswith("false"):
        return 3, "", "boom\n"
    return 0, f"ran: {command}\n", ""


async def _run(stub: SshStub, params: dict[str, Any], **creds: Any) -> Any:
    return await run_action_async(ssh.app, "run_command", params, stub.credentials(**creds))


def test_run_command_quotes_every_word() -> None:
    async def scenario() -> None:
        async with ssh_server(_echo) as stub:
            result = await _run(stub, {"command": "systemctl stop 'evil service'; rm -rf /"})
            assert stub.commands == ["systemctl stop 'evil service;' rm -rf /"]
            assert result == {
                "exit_status": 0,
                "stdout": f"ran: {stub.commands[0]}\n",
                "stderr": "",
            }
            await _run(stub, {"command": "echo $(id) `id` > /etc/passwd"})
            assert stub.commands[1] == "echo '$(id)' '`id`' '>' /etc/passwd"

    asyncio.run(scenario())


def test_allow_list_matches_word_prefixes() -> None:
    allowed = "systemctl restart\n/usr/local/bin/isolate\n"

    async def scenario() -> None:
        async with ssh_server(_echo) as stub:
            await _run(stub, {"command": "systemctl restart sshd"}, allowed_commands=allowed)
            await _run(stub, {"command": "/usr/local/bin/isolate --now"}, allowed_commands=allowed)
            for denied in ("systemctl stop sshd", "systemctl", "/usr/local/bin/isolate2"):
                with pytest.raises(ActionError) as caught:
                    await _run(stub, {"command": denied}, allowed_commands=allowed)
                assert caught.value.error_type == "forbidden" and not caught.value.retryable
            assert stub.commands == ["systemctl restart sshd", "/usr/local/bin/isolate --now"]

    asyncio.run(scenario())


def test_non_zero_exit_fails_unless_asked_not_to() -> None:
    async def scenario() -> None:
        async with ssh_server(_echo) as stub:
            with pytest.raises(ActionError) as caught:
                await _run(stub, {"command": "false"})
            assert caught.value.error_type == "exit_status"
            assert caught.value.details["exit_status"] == 3
            assert "boom" in str(caught.value)
            result = await _run(stub, {"command": "false", "fail_on_error": False})
            assert result == {"exit_status": 3, "stdout": "", "stderr": "boom\n"}

    asyncio.run(scenario())


def test_private_key_login_and_test_connection() -> None:
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    exported = client_key.export_private_key().decode()

    async def scenario() -> None:
        async with ssh_server(_echo, client_key=client_key) as stub:
            creds = stub.credentials(password="", private_key=exported)
            result = await run_action_async(ssh.app, "test_connection", {}, creds)
            assert result == {"ok": True, "exit_status": 0}
            assert stub.commands == ["true"]

    asyncio.run(scenario())


def test_empty_or_unbalanced_command_is_refused() -> None:
    async def scenario() -> None:
        async with ssh_server(_echo) as stub:
            for command in ("   ", "echo 'unterminated"):
                with pytest.raises(ParamsInvalid):
                    await _run(stub, {"command": command})
            assert stub.commands == []

    asyncio.run(scenario())


def test_slow_command_times_out_as_retryable() -> None:
    async def scenario() -> None:
        async with ssh_server(_echo, delay=5.0) as stub:
            with pytest.raises(ActionError) as caught:
                await _run(stub, {"command": "sleep 9", "timeout_seconds": 0.3})
            assert caught.value.error_type == "timeout" and caught.value.retryable
            assert stub.commands == ["sleep 9"]

    asyncio.run(scenario())
