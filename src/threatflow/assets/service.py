"""Assets: CRUD, filtered lists, bulk imports and lookups from an in-memory snapshot.

Lookups run on the engine's hot path (one per ``inventory`` step), so they read an
:class:`AssetIndex` held in memory. Every write through this service makes the snapshot
stale and the next lookup rebuilds it; writes by another process (the CLI, a second server)
are seen within :data:`REFRESH_SECONDS`.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from threatflow.assets.index import AssetIndex, most_critical, name_key
from threatflow.assets.models import AssetRow
from threatflow.assets.schemas import (
    RANK,
    AssetEntry,
    AssetIn,
    AssetOut,
    AssetPage,
    Criticality,
    ImportMode,
    ImportResult,
    LookupResult,
    Syntax,
    load_document,
    parse_entries,
)
from threatflow.db.engine import Database
from threatflow.errors import InvalidInput, NotFound
from threatflow.ids import utcnow

REFRESH_SECONDS = 30.0
MAX_PAGE = 500
COLUMNS = ("hostname", "ip", "owner", "criticality", "tags", "attributes")
# the same on both databases: SQLite sorts NULL first and PostgreSQL last, so say where
ORDER = (AssetRow.hostname.is_(None), func.lower(AssetRow.hostname), AssetRow.ip, AssetRow.id)


@dataclass(frozen=True, slots=True)
class _Snapshot:
    generation: int
    built: float
    index: AssetIndex[AssetOut]


class AssetService:
    """Owns the assets table and the snapshot that lookups read."""

    def __init__(self, db: Database, *, refresh: float = REFRESH_SECONDS) -> None:
        self.db = db
        self.refresh = refresh
        self._writes = itertools.count(1)  # next() is atomic, writers need no lock
        self._generation = 0
        self._snapshot: _Snapshot | None = None
        self._rebuild = threading.Lock()

    def search(self, *, owner: str | None = None, tag: str | None = None,
             min_criticality: Criticality | None = None, q: str = "", limit: int = 50,
             offset: int = 0) -> AssetPage:
        """Assets matching every filter given, by hostname then ip; ``q`` is a substring of
        the hostname, ip or owner, without case."""
        _check_page(limit, offset)
        stmt = select(AssetRow).where(*self._filters(owner, tag, min_criticality, q))
        with self.db.session() as session:
            total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            rows = session.scalars(stmt.order_by(*ORDER).limit(limit).offset(offset))
            items = [_out(row) for row in rows]
        return AssetPage(items=items, total=total, limit=limit, offset=offset)

    def get(self, asset_id: str) -> AssetOut:
        with self.db.session() as session:
            return _out(_row(session, asset_id))

    def create(self, asset: AssetIn) -> AssetOut:
        with self.db.session() as session:
            row = _new_row(asset)
            session.add(row)
            session.flush()
            out = _out(row)
        self._changed()
        return out

    def update(self, asset_id: str, asset: AssetIn) -> AssetOut:
        """Replace every field of an asset."""
        with self.db.session() as session:
            row = _row(session, asset_id)
            for name in COLUMNS:
                setattr(row, name, getattr(asset, name))
            row.updated_at = utcnow()
            out = _out(row)
        self._changed()
        return out

    def delete(self, asset_id: str) -> None:
        with self.db.session() as session:
            session.delete(_row(session, asset_id))
        self._changed()

    def import_assets(self, data: str | list[Any] | dict[str, Any], *,
                      mode: ImportMode = "merge", syntax: Syntax | None = None) -> ImportResult:
        """Add (``merge``) or substitute (``replace``) a list of assets in one transaction.

        ``data`` is JSON or YAML text or its parsed value: a list of assets or
        ``{"assets": [...]}``. In ``merge`` mode an entry updates the asset with the same
        hostname, else the one with the same ip unless that one has another hostname; only
        the fields the entry gives change, and its attributes are added to the stored ones.

        Raises:
            InvalidInput: the document does not parse, or entries are bad; every bad entry
                is named (``assets[3].ip: ...``) and nothing is written.
        """
        if mode not in ("merge", "replace"):
            raise InvalidInput("must be 'merge' or 'replace'", field="mode")
        entries = parse_entries(load_document(data, syntax) if isinstance(data, str) else data)
        with self.db.session() as session:
            result = (_replace if mode == "replace" else _merge)(session, entries)
            result.total = session.scalar(select(func.count()).select_from(AssetRow)) or 0
        self._changed()
        return result

    def lookup(self, *, ip: str | None = None, hostname: str | None = None) -> LookupResult:
        """The assets behind an address (preferred when both are given) or a hostname."""
        if not ip and not hostname:
            raise InvalidInput("give an ip or a hostname", field="ip")
        index = self.index()
        found = index.by_ip(ip) if ip else index.by_hostname(str(hostname))
        top = most_critical(found)
        if top is None:
            return LookupResult(found=False, criticality=None, owner=None, assets=[])
        return LookupResult(found=True, criticality=top.criticality, owner=top.owner,
                            assets=found)

    def index(self) -> AssetIndex[AssetOut]:
        """The current snapshot, rebuilt from the database when stale."""
        fresh = self._fresh()
        if fresh is not None:
            return fresh
        with self._rebuild:  # one rebuild at a time; the others then find it fresh
            fresh = self._fresh()
            if fresh is not None:
                return fresh
            generation = self._generation
            with self.db.session() as session:
                index = AssetIndex(_out(r) for r in session.scalars(select(AssetRow)))
            self._snapshot = _Snapshot(generation, time.monotonic(), index)
            return index

    async def current(self) -> AssetIndex[AssetOut]:
        """Async form of :meth:`index` for actions: no thread hop while the snapshot is fresh."""
        fresh = self._fresh()
        if fresh is not None:
            return fresh
        return await asyncio.to_thread(self.index)

    def _fresh(self) -> AssetIndex[AssetOut] | None:
        snapshot = self._snapshot
        if snapshot is None or snapshot.generation != self._generation:
            return None
        if time.monotonic() - snapshot.built > self.refresh:
            return None
        return snapshot.index

    def _changed(self) -> None:
        self._generation = next(self._writes)

    def _filters(self, owner: str | None, tag: str | None,
                 min_criticality: Criticality | None, q: str) -> list[ColumnElement[bool]]:
        filters: list[ColumnElement[bool]] = []
        if owner:
            filters.append(func.lower(AssetRow.owner) == owner.lower())
        if tag:
            filters.append(self._has_tag(tag))
        if min_criticality:
            levels = [c for c, rank in RANK.items() if rank >= RANK[min_criticality]]
            filters.append(AssetRow.criticality.in_(levels))
        if q:
            pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace(
                "_", "\\_") + "%"
            filters.append(or_(*(func.lower(column).like(pattern, escape="\\") for column in
                                 (AssetRow.hostname, AssetRow.ip, AssetRow.owner))))
        return filters

    def _has_tag(self, tag: str) -> ColumnElement[bool]:
        if not self.db.is_sqlite:
            return type_coerce(AssetRow.tags, JSONB).contains([tag])
        # SQLite has no JSON containment operator: look through the list's elements
        each = func.json_each(AssetRow.tags).table_valued("value")
        return exists(select(1).select_from(each).where(each.c.value == tag))


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"must be between 1 and {MAX_PAGE}", field="limit")
    if offset < 0:
        raise InvalidInput("must be 0 or more", field="offset")


def _row(session: Session, asset_id: str) -> AssetRow:
    row = session.get(AssetRow, asset_id)
    if row is None:
        raise NotFound("asset", asset_id)
    return row


def _new_row(asset: AssetIn) -> AssetRow:
    now = utcnow()
    return AssetRow(**{name: getattr(asset, name) for name in COLUMNS}, created_at=now,
                    updated_at=now)


def _out(row: AssetRow) -> AssetOut:
    return AssetOut.model_validate(row, from_attributes=True)


def _replace(session: Session, entries: list[AssetEntry]) -> ImportResult:
    deleted = session.scalar(select(func.count()).select_from(AssetRow)) or 0
    session.execute(delete(AssetRow))
    session.add_all(_new_row(entry) for entry in entries)
    return ImportResult(mode="replace", created=len(entries), updated=0, deleted=deleted,
                        total=0)


def _merge(session: Session, entries: list[AssetEntry]) -> ImportResult:
    by_name: dict[str, AssetRow] = {}
    by_ip: dict[str, AssetRow] = {}
    created = updated = 0
    for stored in session.scalars(select(AssetRow).order_by(AssetRow.id)):
        _remember(stored, by_name, by_ip)
    for entry in entries:
        row = _match(entry, by_name, by_ip)
        if row is None:
            row = _new_row(entry)
            session.add(row)
            created += 1
        else:
            _apply(row, entry)
            updated += 1
        _remember(row, by_name, by_ip)
    return ImportResult(mode="merge", created=created, updated=updated, deleted=0, total=0)


def _remember(row: AssetRow, by_name: dict[str, AssetRow], by_ip: dict[str, AssetRow]) -> None:
    if row.hostname:
        by_name.setdefault(name_key(row.hostname), row)
    if row.ip:
        by_ip.setdefault(row.ip, row)


def _match(entry: AssetEntry, by_name: dict[str, AssetRow],
           by_ip: dict[str, AssetRow]) -> AssetRow | None:
    if entry.hostname and (named := by_name.get(name_key(entry.hostname))) is not None:
        return named
    row = by_ip.get(entry.ip) if entry.ip else None
    if row is not None and entry.hostname and row.hostname:
        return None  # same address, another host: a reused IP, not the same asset
    return row


def _apply(row: AssetRow, entry: AssetEntry) -> None:
    for name in entry.model_fields_set & set(COLUMNS):
        value = getattr(entry, name)
        setattr(row, name, {**row.attributes, **value} if name == "attributes" else value)
    row.updated_at = utcnow()
