"""nftables app over a real local SSH server that plays a host's ``nft`` command."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import shlex
from typing import Any

import pytest
from sshd_stub_b import SshStub, ssh_server

from threatflow.apps.builtin import nftables
from threatflow.apps.testing import run_action_async
from threatflow.errors import ActionError, ParamsInvalid


class FakeNft:
    """The sets of one host, listed in the JSON shapes ``nft -j`` prints."""

    def __init__(self) -> None:
        self.sets: dict[str, list[Any]] = {"blocklist": [], "blocklist6": []}

    def __call__(self, command: str) -> tuple[int, str, str]:
        argv = shlex.split(command)
        if argv[:2] == ["sudo", "-n"]:
            argv = argv[2:]
        assert argv[0] == "nft"
        if argv[1:4] == ["-j", "list", "set"]:
            return self._list(argv[4:])
        verb, noun, family, table, name, element = argv[1:]
        assert (noun, family, table) == ("element", "inet", "filter")
        if name not in self.sets:
            return 1, "", "Error: No such file or directory\n"
        assert element.startswith("{ ") and element.endswith(" }")
        words = element[2:-2].split()
        if verb == "add":
            self.sets[name].append(self._shape(words))
        else:
            assert verb == "delete" and len(words) == 1
            self.sets[name] = [e for e in self.sets[name] if self._value(e) != words[0]]
        return 0, "", ""

    def _list(self, words: list[str]) -> tuple[int, str, str]:
        family, table, name = words
        if name not in self.sets:
            return 1, "", f"Error: No such file or directory; did you mean table '{table}'?\n"
        document = {
            "nftables": [
                {"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
                {
                    "set": {
                        "family": family,
                        "name": name,
                        "table": table,
                        "type": "ipv4_addr",
                        "handle": 3,
                        "flags": ["interval", "timeout"],
                        "elem": self.sets[name],
                    }
                },
            ]
        }
        return 0, json.dumps(document), ""

    @staticmethod
    def _shape(words: list[str]) -> Any:
        network = ipaddress.ip_network(words[0])
        value: Any = words[0]
        if "/" in words[0]:
            value = {"prefix": {"addr": str(network.network_address), "len": network.prefixlen}}
        if len(words) == 3 and words[1] == "timeout":
            seconds = int(words[2].removesuffix("s"))
            value = {"elem": {"val": value, "timeout": seconds, "expires": seconds - 1}}
        return value

    @classmethod
    def _value(cls, element: Any) -> str:
        if isinstance(element, dict) and "elem" in element:
            return cls._value(element["elem"]["val"])
        if isinstance(element, dict):
            return f"{element['prefix']['addr']}/{element['prefix']['len']}"
        return str(element)


async def _call(stub: SshStub, action: str, params: dict[str, Any], **creds: Any) -> Any:
    return await run_action_async(nftables.app, action, params, stub.credentials(**creds))


def test_block_sends_the_exact_nft_command_and_is_idempotent() -> None:
    fake = FakeNft()

    async def scenario() -> None:
        async with ssh_server(fake) as stub:
            first = await _call(stub, "block_ip", {"ip": "1.2.3.4"})
            assert first == {"ip": "1.2.3.4", "set": "blocklist", "changed": True}
            assert stub.commands == [
                "nft -j list set inet filter blocklist",
                "nft add element inet filter blocklist '{ 1.2.3.4 }'",
            ]
            again = await _call(stub, "block_ip", {"ip": "1.2.3.4/32"})
            assert again["changed"] is False
            assert len(stub.commands) == 3

    asyncio.run(scenario())
    assert fake.sets["blocklist"] == ["1.2.3.4"]


def test_timeout_sudo_ipv6_and_covering_networks() -> None:
    fake = FakeNft()
    fake.sets["blocklist"] = [{"prefix": {"addr": "198.51.100.0", "len": 24}}]

    async def scenario() -> None:
        async with ssh_server(fake) as stub:
            covered = await _call(stub, "block_ip", {"ip": "198.51.100.9"})
            assert covered["changed"] is False and covered["covered_by"] == "198.51.100.0/24"
            await _call(
                stub, "block_ip", {"ip": "2001:db8::/48", "timeout_seconds": 3600}, use_sudo="true"
            )
            assert stub.commands[-1] == (
                "sudo -n nft add element inet filter blocklist6 '{ 2001:db8::/48 timeout 3600s }'"
            )

    asyncio.run(scenario())
    assert fake.sets["blocklist6"] == [
        {
            "elem": {
                "val": {"prefix": {"addr": "2001:db8::", "len": 48}},
                "timeout": 3600,
                "expires": 3599,
            }
        }
    ]


def test_unblock_list_and_test_connection() -> None:
    fake = FakeNft()
    fake.sets["blocklist"] = [
        "192.0.2.1",
        {"elem": {"val": "203.0.113.7", "timeout": 60, "expires": 42}},
    ]

    async def scenario() -> None:
        async with ssh_server(fake) as stub:
            removed = await _call(stub, "unblock_ip", {"ip": "203.0.113.7"})
            assert removed == {"ip": "203.0.113.7", "set": "blocklist", "changed": True}
            assert stub.commands[-1] == "nft delete element inet filter blocklist '{ 203.0.113.7 }'"
            absent = await _call(stub, "unblock_ip", {"ip": "203.0.113.7"})
            assert absent["changed"] is False and absent["covered_by"] is None
            listed = await _call(stub, "list_blocked", {})
            assert listed == {"set": "blocklist", "count": 1, "addresses": ["192.0.2.1/32"]}
            assert await _call(stub, "test_connection", {}) == {
                "ok": True,
                "set": "blocklist",
                "elements": 1,
            }

    asyncio.run(scenario())


def test_missing_set_is_a_vendor_error_with_stderr() -> None:
    async def scenario() -> None:
        async with ssh_server(FakeNft()) as stub:
            with pytest.raises(ActionError) as caught:
                await _call(stub, "block_ip", {"ip": "192.0.2.1"}, set_v4="nosuchset")
            assert caught.value.error_type == "vendor" and not caught.value.retryable
            assert "No such file or directory" in str(caught.value)
            assert caught.value.details["exit_status"] == 1

    asyncio.run(scenario())


@pytest.mark.parametrize("target", ["1.2.3.4; reboot", "$(reboot)", "0.0.0.0/0", "::1"])
def test_unsafe_input_never_reaches_the_host(target: str) -> None:
    async def scenario() -> None:
        async with ssh_server(FakeNft()) as stub:
            with pytest.raises(ParamsInvalid):
                await _call(stub, "block_ip", {"ip": target})
            assert stub.commands == []

    asyncio.run(scenario())


def test_bad_set_name_in_credentials_is_refused() -> None:
    async def scenario() -> None:
        async with ssh_server(FakeNft()) as stub:
            with pytest.raises(ActionError) as caught:
                await _call(stub, "block_ip", {"ip": "192.0.2.1"}, table="filter; reboot")
            assert caught.value.error_type == "credential"
            assert stub.commands == []

    asyncio.run(scenario())


def test_unknown_host_key_is_refused_and_not_retryable() -> None:
    async def scenario() -> None:
        async with ssh_server(FakeNft()) as stub, ssh_server(FakeNft()) as other:
            with pytest.raises(ActionError) as caught:
                await _call(stub, "list_blocked", {}, known_hosts=other.known_hosts)
            assert caught.value.error_type == "host_key" and not caught.value.retryable
            assert stub.commands == []

    asyncio.run(scenario())


def test_wrong_password_and_closed_port() -> None:
    async def scenario() -> None:
        async with ssh_server(FakeNft()) as stub:
            with pytest.raises(ActionError) as refused:
                await _call(stub, "list_blocked", {}, password="wrong")
            assert refused.value.error_type == "auth" and not refused.value.retryable
            port = stub.port
        with pytest.raises(ActionError) as down:
            await run_action_async(
                nftables.app,
                "list_blocked",
                {},
                {
                    "host": "127.0.0.1",
                    "port": str(port),
                    "username": "soar",
                    "password": "x",
                    "skip_host_key_check": "true",
                },
            )
        assert down.value.error_type == "connection" and down.value.retryable

    asyncio.run(scenario())
