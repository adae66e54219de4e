"""Apps imported at run time from OpenAPI documents: stored, versioned, served by the registry.

Built-in and pip-installed apps come from code; imported apps live in the database as the
JSON *app spec* the importer produced, and are rebuilt into the registry at start-up.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from threatflow.apps.models import ImportedAppRow, ImportedAppVersionRow
from threatflow.apps.openapi import build_app, import_openapi
from threatflow.apps.registry import Registry
from threatflow.db.engine import Database
from threatflow.errors import Conflict, NotFound
from threatflow.ids import utcnow


class AppService:
    def __init__(self, db: Database, registry: Registry) -> None:
        self.db = db
        self.registry = registry

    def load_imported(self) -> int:
        """Put every stored imported app into the registry; returns how many."""
        with self.db.session() as session:
            specs = [row.spec for row in session.scalars(select(ImportedAppRow))]
        for spec in specs:
            self.registry.add(build_app(spec))
        return len(specs)

    def import_document(self, document: str | bytes, *, name: str | None = None,
                        source_url: str = "") -> dict[str, Any]:
        """Import (or re-import, as a new version) an OpenAPI document as an app."""
        result = import_openapi(document, name=name, source_url=source_url or None)
        spec = result.app_spec
        app = build_app(spec)
        existing = self.registry.get(app.name) if app.name in self.registry else None
        if existing is not None and existing.source != "openapi":
            raise Conflict(f"{app.name!r} is a {existing.source} app; import under another "
                           "name (--name)")
        with self.db.session() as session:
            row = session.get(ImportedAppRow, app.name)
            if row is None:
                row = ImportedAppRow(name=app.name, version=1, spec=spec, source_url=source_url)
                session.add(row)
                session.flush()
            else:
                row.version += 1
                row.spec, row.source_url, row.updated_at = spec, source_url, utcnow()
            session.add(ImportedAppVersionRow(name=app.name, version=row.version, spec=spec))
            version = row.version
        self.registry.add(app)
        return {"name": app.name, "title": app.title, "version": version,
                "actions": len(app.actions), "warnings": result.warnings}

    def delete(self, name: str) -> None:
        with self.db.session() as session:
            row = session.get(ImportedAppRow, name)
            if row is None:
                if name in self.registry:
                    raise Conflict(f"{name!r} is not an imported app and cannot be deleted")
                raise NotFound("app", name)
            session.delete(row)
        self.registry.remove(name)

    def export(self, name: str) -> dict[str, Any]:
        with self.db.session() as session:
            row = session.get(ImportedAppRow, name)
            if row is None:
                raise NotFound("imported app", name)
            return {"name": row.name, "version": row.version, "source_url": row.source_url,
                    "spec": row.spec}
