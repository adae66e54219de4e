"""Credentials: create, read (masked), update, delete, and resolve for the engine.

Environment variables ``THREATFLOW_CRED_<NAME>_<FIELD>`` define or override credential
fields for headless runs, e.g. ``THREATFLOW_CRED_THEHIVE_API_KEY``.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select

from threatflow.apps.registry import Registry
from threatflow.credentials.crypto import Sealer
from threatflow.credentials.models import CredentialRow
from threatflow.db.engine import Database
from threatflow.errors import Conflict, InvalidInput, NotFound
from threatflow.ids import iso, utcnow

MASK = "********"
GENERIC = "generic"  # free-form fields, e.g. webhook secrets; every field is secret
ENV_PREFIX = "THREATFLOW_CRED_"
NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,99}$")


def env_credentials(names: Iterable[str], environ: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Fields set in the environment, by credential name.

    ``THREATFLOW_CRED_THEHIVE_API_KEY`` splits after the longest known name that matches
    (``thehive``), so field names may contain underscores.
    """
    known = sorted({n.lower() for n in names}, key=len, reverse=True)
    found: dict[str, dict[str, str]] = {}
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        rest = key[len(ENV_PREFIX):].lower()
        name = next((n for n in known if rest.startswith(n.replace("-", "_") + "_")), None)
        if name is None:
            name, _, field = rest.partition("_")
        else:
            field = rest[len(name) + 1:]
        if field:
            found.setdefault(name, {})[field] = value
    return found


class CredentialService:
    """Owns the credentials table; secret fields never leave it unmasked except to actions."""

    def __init__(self, db: Database, sealer: Sealer, registry: Registry,
                 environ: Mapping[str, str] | None = None) -> None:
        self.db = db
        self.sealer = sealer
        self.registry = registry
        self._environ = os.environ if environ is None else environ
        self._cache: dict[str, dict[str, Any]] = {}

    def _secret_fields(self, app: str, fields: Iterable[str] = ()) -> set[str]:
        if app == GENERIC:
            return set(fields)
        if app not in self.registry:
            return set()
        return {f.name for f in self.registry.get(app).credential_fields if f.secret}

    def _env(self) -> dict[str, dict[str, str]]:
        names = [a.name for a in self.registry.apps()] + self.names()
        return env_credentials(names, self._environ)

    def names(self) -> list[str]:
        with self.db.session() as session:
            return list(session.scalars(select(CredentialRow.name)))

    def known_names(self) -> set[str]:
        return set(self.names()) | set(self._env())

    def _check(self, name: str, app: str, fields: Mapping[str, Any]) -> None:
        if not NAME_RE.match(name):
            raise InvalidInput("use lowercase letters, digits, '_' or '-' (max 100)",
                               field="name")
        if app == GENERIC:
            allowed: set[str] = set()
        elif app not in self.registry:
            raise InvalidInput(f"unknown app {app!r} (or use {GENERIC!r})", field="app")
        else:
            allowed = {f.name for f in self.registry.get(app).credential_fields}
        for key, value in fields.items():
            if allowed and key not in allowed:
                raise InvalidInput(f"app {app!r} has no credential field {key!r}",
                                   field=f"fields.{key}")
            if not isinstance(value, str | int | float | bool) or value is None:
                raise InvalidInput("must be a string, number or boolean", field=f"fields.{key}")

    def create(self, name: str, app: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        self._check(name, app, fields)
        with self.db.session() as session:
            if session.get(CredentialRow, name) is not None:
                raise Conflict(f"credential {name!r} already exists")
            row = CredentialRow(name=name, app=app, data=self.sealer.seal(dict(fields)))
            session.add(row)
            session.flush()
            view = self._view(row, dict(fields))
        self._cache.pop(name, None)  # the environment alone may have defined it until now
        return view

    def update(self, name: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        with self.db.session() as session:
            row = session.get(CredentialRow, name)
            if row is None:
                raise NotFound("credential", name)
            current = self.sealer.open(row.data)
            changes = {k: v for k, v in fields.items() if v != MASK}
            self._check(name, row.app, changes)
            current.update(changes)
            row.data = self.sealer.seal(current)
            row.updated_at = utcnow()
            view = self._view(row, current)
        self._cache.pop(name, None)  # after the commit, so no reader caches the old fields
        return view

    def delete(self, name: str) -> None:
        with self.db.session() as session:
            row = session.get(CredentialRow, name)
            if row is None:
                raise NotFound("credential", name)
            session.delete(row)
        self._cache.pop(name, None)

    def list_all(self) -> list[dict[str, Any]]:
        with self.db.session() as session:
            rows = session.scalars(select(CredentialRow).order_by(CredentialRow.name)).all()
            return [self._view(r, self.sealer.open(r.data)) for r in rows]

    def get_masked(self, name: str) -> dict[str, Any]:
        with self.db.session() as session:
            row = session.get(CredentialRow, name)
            if row is None:
                raise NotFound("credential", name)
            return self._view(row, self.sealer.open(row.data))

    def _view(self, row: CredentialRow, fields: dict[str, Any]) -> dict[str, Any]:
        secret = self._secret_fields(row.app, fields)
        return {
            "name": row.name,
            "app": row.app,
            "fields": {k: MASK if k in secret and v not in ("", None) else v
                       for k, v in fields.items()},
            "created_at": iso(row.created_at),
            "updated_at": iso(row.updated_at),
        }

    def resolve(self, name: str) -> dict[str, Any]:
        """The clear fields of a credential, environment overrides applied."""
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        with self.db.session() as session:
            row = session.get(CredentialRow, name)
            fields = self.sealer.open(row.data) if row is not None else None
        overrides = self._env().get(name.lower())
        if fields is None and overrides is None:
            raise NotFound("credential", name)
        resolved = {**(fields or {}), **(overrides or {})}
        self._cache[name] = resolved
        return resolved

    async def lookup(self, name: str) -> Mapping[str, Any]:
        """Async form for the runner; answers from the cache without a thread hop."""
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        return await asyncio.to_thread(self.resolve, name)
