"""The asset inventory: matching rules, import validation, merge and replace, the snapshot,
and the runner handing the inventory to the ``inventory`` app (SQLite, no network)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from threatflow.apps.builtin import inventory
from threatflow.apps.registry import Registry
from threatflow.apps.sdk import ActionContext, App, Category
from threatflow.assets.index import AssetIndex, most_critical
from threatflow.assets.schemas import AssetEntry, AssetIn, load_document, parse_entries
from threatflow.assets.service import AssetService
from threatflow.db.engine import Database
from threatflow.db.migrate import upgrade
from threatflow.engine.model import parse_workflow
from threatflow.engine.planner import ExecutionStatus
from threatflow.engine.runner import Runner
from threatflow.engine.store import ExecutionRecord, MemoryStore
from threatflow.errors import InvalidInput
from threatflow.ids import new_id, utcnow

INVENTORY: list[dict[str, Any]] = [
    {"hostname": "web01.corp.example", "ip": "10.20.0.5", "owner": "web-team",
     "criticality": "high", "tags": ["dmz", "pci"], "os": "Ubuntu 22.04"},
    {"hostname": "dc01.corp.example", "ip": "10.0.0.10", "owner": "it-ops",
     "criticality": "critical", "tags": ["ad"]},
    {"ip": "10.20.0.0/16", "owner": "web-team", "criticality": "medium", "tags": ["dmz"]},
    {"ip": "10.0.0.0/8", "owner": "network", "criticality": "low"},
    {"hostname": "DB01", "ip": "2001:db8::10", "owner": "data", "criticality": "critical"},
    {"ip": "2001:db8::/32", "owner": "network-v6", "criticality": "low"},
]


def index() -> AssetIndex[AssetEntry]:
    return AssetIndex(parse_entries(INVENTORY))


@pytest.fixture
def service(tmp_path: Path) -> Iterator[AssetService]:
    url = f"sqlite:///{tmp_path / 'assets.db'}"
    upgrade(url)
    db = Database(url)
    yield AssetService(db)
    db.dispose()


# matching rules


@pytest.mark.parametrize(("ip", "owners"), [
    ("10.20.0.5", ["web-team"]),  # the exact address beats both networks
    (" 10.20.9.9 ", ["web-team"]),  # the /16 beats the /8
    ("10.99.0.1", ["network"]),
    ("192.0.2.1", []),
    ("2001:db8:0:0::10", ["data"]),  # another spelling of the same IPv6 address
    ("2001:db8::99", ["network-v6"]),
])
def test_lookup_by_ip_prefers_the_exact_address_then_the_longest_prefix(
        ip: str, owners: list[str]) -> None:
    assert [a.owner for a in index().by_ip(ip)] == owners


def test_lookup_by_ip_names_the_field_of_a_bad_address() -> None:
    with pytest.raises(InvalidInput) as caught:
        index().by_ip("10.0.0.300")
    assert caught.value.field == "ip"


@pytest.mark.parametrize(("name", "owners"), [
    ("web01.corp.example", ["web-team"]),
    ("WEB01.Corp.Example.", ["web-team"]),  # no case, trailing dot ignored
    ("web01", ["web-team"]),  # a short name finds its FQDN
    ("db01", ["data"]),  # stored upper case
    ("dc01.other.example", []),  # an FQDN never matches another domain
    ("web", []),
    ("", []),
])
def test_lookup_by_hostname(name: str, owners: list[str]) -> None:
    assert [a.owner for a in index().by_hostname(name)] == owners


def test_an_exact_short_name_wins_over_fqdns_that_start_with_it() -> None:
    assets = AssetIndex(parse_entries([{"hostname": "mail.a.example", "owner": "a"},
                                       {"hostname": "mail", "owner": "b"}]))
    assert [a.owner for a in assets.by_hostname("MAIL")] == ["b"]


def test_filters_and_the_most_critical() -> None:
    assets = index()
    assert [a.ip for a in assets.filter(owner="WEB-TEAM")] == ["10.20.0.5", "10.20.0.0/16"]
    assert [a.ip for a in assets.filter(tag="pci")] == ["10.20.0.5"]
    assert len(assets.filter(min_criticality="critical")) == 2
    top = most_critical(assets.filter(owner="web-team"))
    assert top is not None and top.criticality == "high"
    assert most_critical([]) is None


# validation


def test_every_bad_entry_is_named_with_its_field() -> None:
    bad = [
        {"hostname": "ok", "ip": "10.0.0.1"},
        {"hostname": "a", "ip": "not-an-ip"},
        {"hostname": "b", "criticality": "extreme"},
        {"owner": "nobody"},
        {"hostname": "c", "tags": ["x", 5]},
        "just text",
    ]
    with pytest.raises(InvalidInput) as caught:
        parse_entries({"assets": bad})
    message = str(caught.value)
    assert "assets[1].ip: 'not-an-ip' is not an IP address or a CIDR network" in message
    assert "assets[2].criticality:" in message and "'critical'" in message
    assert "assets[3]: give a hostname, an ip or both" in message
    assert "assets[4].tags[1]:" in message
    assert "assets[5]:" in message
    assert "assets[0]" not in message


def test_values_are_normalized_and_unknown_keys_become_attributes() -> None:
    [entry] = parse_entries([{"hostname": " web01 ", "ip": "10.20.0.5/16", "owner": "",
                              "tags": ["a", "a", "b"], "os": "linux",
                              "attributes": {"rack": 4}}])
    assert entry.hostname == "web01" and entry.ip == "10.20.0.0/16" and entry.owner is None
    assert entry.tags == ["a", "b"]
    assert entry.attributes == {"os": "linux", "rack": 4}
    assert AssetIn(ip="2001:DB8:0::1").ip == "2001:db8::1"


def test_a_document_must_be_a_list_or_hold_one() -> None:
    with pytest.raises(InvalidInput, match="expected a list of assets"):
        parse_entries({"asset": [{"hostname": "typo"}]})
    assert load_document("- {hostname: a}\n") == [{"hostname": "a"}]
    assert load_document('{"assets": []}', "json") == {"assets": []}
    with pytest.raises(InvalidInput) as caught:
        load_document("- [unclosed\n", "yaml")
    assert caught.value.field == "body" and "line" in str(caught.value)
    with pytest.raises(InvalidInput, match="not JSON"):
        load_document("- a", "json")


# the service: imports, merge and replace, the snapshot


def hostnames(service: AssetService) -> list[str | None]:
    return [a.hostname for a in service.search().items]


def test_a_bad_entry_writes_nothing(service: AssetService) -> None:
    service.import_assets([{"hostname": "keep", "ip": "10.0.0.1"}])
    entries = [{"hostname": "new", "ip": "10.0.0.2"}, {"hostname": "bad", "ip": "x"}]
    for mode in ("merge", "replace"):
        with pytest.raises(InvalidInput, match=r"assets\[1\]\.ip"):
            service.import_assets(entries, mode=mode)  # type: ignore[arg-type]  # both modes
    assert hostnames(service) == ["keep"]


def test_merge_updates_matches_and_adds_the_rest(service: AssetService) -> None:
    service.import_assets(INVENTORY)
    text = """
assets:
  - {hostname: WEB01.corp.example, criticality: critical, rack: 7}
  - {ip: 10.20.0.0/16, owner: dmz-team}
  - {hostname: web02.corp.example, ip: 10.0.0.10}
  - {hostname: new01, ip: 192.0.2.7}
"""
    result = service.import_assets(text, mode="merge")
    assert (result.created, result.updated, result.deleted, result.total) == (2, 2, 0, 8)
    web01 = service.lookup(hostname="web01").assets[0]
    assert web01.criticality == "critical" and web01.owner == "web-team"  # untouched field
    assert web01.attributes == {"os": "Ubuntu 22.04", "rack": 7}  # attributes merged
    assert service.lookup(ip="10.20.3.3").owner == "dmz-team"
    # 10.0.0.10 belongs to dc01: web02 with that address is another host, not a rename
    assert {a.hostname for a in service.lookup(ip="10.0.0.10").assets} == {
        "dc01.corp.example", "web02.corp.example"}


def test_replace_substitutes_everything(service: AssetService) -> None:
    service.import_assets(INVENTORY)
    result = service.import_assets('[{"hostname": "only", "ip": "10.9.9.9"}]', mode="replace")
    assert (result.created, result.updated, result.deleted, result.total) == (1, 0, 6, 1)
    assert hostnames(service) == ["only"]


def test_lookups_see_every_write_at_once(service: AssetService) -> None:
    assert not service.lookup(ip="10.1.1.1").found
    created = service.create(AssetIn(hostname="h1", ip="10.1.1.1", criticality="high"))
    assert service.lookup(ip="10.1.1.1").criticality == "high"
    service.update(created.id, AssetIn(hostname="h1", ip="10.1.1.2"))
    assert not service.lookup(ip="10.1.1.1").found
    assert service.lookup(hostname="H1").criticality == "medium"
    service.delete(created.id)
    assert not service.lookup(hostname="h1").found


def test_lookups_read_the_snapshot_until_it_expires(service: AssetService) -> None:
    service.import_assets([{"hostname": "a", "ip": "10.0.0.1"}])
    first = service.index()
    assert service.index() is first  # no database read between writes
    other = AssetService(service.db, refresh=0.0)  # e.g. the CLI writing from another process
    other.import_assets([{"hostname": "b", "ip": "10.0.0.2"}])
    assert not service.lookup(ip="10.0.0.2").found
    service.refresh = 0.0
    assert service.lookup(ip="10.0.0.2").found


def test_search_filters_and_pages(service: AssetService) -> None:
    service.import_assets([*INVENTORY, {"hostname": "odd%name_1", "owner": "x"}])
    assert [a.hostname for a in service.search(owner="WEB-TEAM").items] == [
        "web01.corp.example", None]
    assert [a.ip for a in service.search(tag="dmz").items] == ["10.20.0.5", "10.20.0.0/16"]
    assert service.search(tag="dm").total == 0  # a whole tag, not a substring
    assert service.search(min_criticality="critical").total == 2
    assert service.search(q="CORP").total == 2 and service.search(q="10.20.").total == 2
    assert [a.hostname for a in service.search(q="%name_").items] == ["odd%name_1"]
    assert service.search(q="o%e").total == 0  # % is literal, not a wildcard
    assert hostnames(service) == ["DB01", "dc01.corp.example", "odd%name_1",
                                  "web01.corp.example", None, None, None]
    page = service.search(limit=2, offset=4)
    assert page.total == 7 and [a.ip for a in page.items] == ["10.0.0.0/8", "10.20.0.0/16"]
    with pytest.raises(InvalidInput) as caught:
        service.search(limit=0)
    assert caught.value.field == "limit"


# the engine hands the inventory to actions


probe = App("probe", title="Probe", category=Category.TOOLS, description="Sees ctx.extra")
SEEN: list[dict[str, Any]] = []


@probe.action()
async def look(ctx: ActionContext) -> bool:
    """Record the context's extra mapping."""
    SEEN.append(ctx.extra)
    return True


def run_workflow(steps: list[dict[str, Any]], payload: Any,
                 services: dict[str, Any] | None) -> ExecutionRecord:
    workflow = parse_workflow({"name": "t", "steps": steps})
    store = MemoryStore()
    record = ExecutionRecord(new_id(), "wf", 1, workflow, ExecutionStatus.QUEUED, "api",
                             payload=payload, created_at=utcnow())
    store.add(record)

    async def main() -> None:
        async with httpx.AsyncClient() as client:
            runner = Runner(store, Registry([inventory.app, probe]), client, services=services)
            await runner.advance(record.id)

    asyncio.run(main())
    return store.executions[record.id]


def test_the_runner_gives_every_step_the_same_services(service: AssetService) -> None:
    service.import_assets(INVENTORY)
    services = {"assets": service}
    SEEN.clear()
    record = run_workflow([
        {"id": "a", "app": "probe", "action": "look"},
        {"id": "b", "app": "probe", "action": "look", "needs": ["a"]},
        {"id": "find", "app": "inventory", "action": "lookup", "needs": ["b"],
         "params": {"ip": "{{ trigger.ip }}"}},
    ], {"ip": "10.20.0.5"}, services)
    assert record.status is ExecutionStatus.SUCCEEDED, record.error
    assert SEEN[0] is services and SEEN[1] is services
    output = record.steps["find"].output
    assert output["found"] and output["owner"] == "web-team"
    assert output["assets"][0]["os"] == "Ubuntu 22.04" and output["assets"][0]["id"]


def test_without_services_the_inventory_app_still_runs() -> None:
    record = run_workflow([{"id": "find", "app": "inventory", "action": "lookup",
                            "params": {"ip": "10.20.0.5"}}], None, None)
    assert record.status is ExecutionStatus.SUCCEEDED, record.error
    assert record.steps["find"].output["found"] is False
