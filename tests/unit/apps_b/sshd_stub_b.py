"""A real SSH server on 127.0.0.1 for the tests of the SSH-driven apps.

It runs asyncssh with a host key generated for the test, accepts one user (password or public
key), records every command it receives exactly as sent, and answers from a responder.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncssh

USER = "soar"
PASSWORD = "correct horse"

Responder = Callable[[str], tuple[int, str, str]]


@dataclass
class SshStub:
    """A running stub: where it listens, its known_hosts line and what it was asked."""

    port: int
    known_hosts: str
    commands: list[str] = field(default_factory=list)

    def credentials(self, **extra: Any) -> dict[str, Any]:
        creds = {
            "host": "127.0.0.1",
            "port": str(self.port),
            "username": USER,
            "password": PASSWORD,
            "known_hosts": self.known_hosts,
        }
        creds.update(extra)
        return creds


def _server_class(client_key: asyncssh.SSHKey | None) -> type[asyncssh.SSHServer]:
    class Server(asyncssh.SSHServer):
        def begin_auth(self, username: str) -> bool:
            return True

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, username: str, password: str) -> bool:
            return username == USER and password == PASSWORD

        def public_key_auth_supported(self) -> bool:
            return client_key is not None

        def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
            return (
                username == USER
                and client_key is not None
                and key.public_data == client_key.public_data
            )

    return Server


@asynccontextmanager
async def ssh_server(
    responder: Responder, client_key: asyncssh.SSHKey | None = None, delay: float = 0.0
) -> AsyncIterator[SshStub]:
    """Serve on an ephemeral port until the block ends; ``delay`` slows every answer."""
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    stub = SshStub(port=0, known_hosts="")

    async def handle(process: asyncssh.SSHServerProcess[str]) -> None:
        command = process.command or ""
        stub.commands.append(command)
        if delay:
            await asyncio.sleep(delay)
        status, out, err = responder(command)
        process.stdout.write(out)
        process.stderr.write(err)
        process.exit(status)

    server = await asyncssh.create_server(
        _server_class(client_key),
        "127.0.0.1",
        0,
        server_host_keys=[host_key],
        process_factory=handle,
    )
    stub.port = server.sockets[0].getsockname()[1]
    public = host_key.export_public_key().decode().strip()
    stub.known_hosts = f"[127.0.0.1]:{stub.port} {public}"
    try:
        yield stub
    finally:
        server.close()
        await server.wait_closed()
