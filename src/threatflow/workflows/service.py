"""Workflows: validated saves as revisions, webhook endpoints, listing, restore, export."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from threatflow.db.engine import Database
from threatflow.engine.model import WebhookTrigger, Workflow, dumps_workflow, loads_workflow
from threatflow.engine.validate import Validator
from threatflow.errors import Conflict, InvalidInput, NotFound
from threatflow.ids import iso, new_token, utcnow
from threatflow.workflows.models import HookRow, RevisionRow, WorkflowRow

MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class HookTarget:
    """What a webhook URL starts: a workflow's current revision through one trigger."""

    hook_id: str
    workflow_id: str
    revision: int
    trigger: WebhookTrigger
    workflow: Workflow
    enabled: bool


class WorkflowService:
    """Owns workflows, revisions and hooks; every save is validated and versioned."""

    def __init__(
        self, db: Database, validator: Callable[[], Validator], base_url: str,
        on_change: Callable[[str], None] = lambda _id: None,
    ) -> None:
        self.db = db
        self._validator = validator
        self.base_url = base_url
        self._on_change = on_change
        self._hooks: dict[str, tuple[float, HookTarget | None]] = {}
        self._hooks_lock = threading.Lock()

    def validate(self, definition: Any) -> list[dict[str, str]]:
        _, problems = self._validator().check(definition)
        return [p.as_dict() for p in problems]

    def create(self, definition: Any, *, user: str = "", message: str = "",
               enabled: bool = True) -> dict[str, Any]:
        workflow = self._validator().ensure_valid(definition)
        data = workflow.model_dump(mode="json", exclude_none=True)
        with self.db.session() as session:
            row = WorkflowRow(name=workflow.name, description=workflow.description,
                              enabled=enabled, revision=1, definition=data)
            session.add(row)
            session.flush()
            session.add(RevisionRow(workflow_id=row.id, revision=1, definition=data,
                                    created_by=user, message=message or "created"))
            self._sync_hooks(session, row.id, workflow)
            session.flush()
            view = self._view(session, row)
        self._changed(view["id"])
        return view

    def import_document(self, text: str, *, user: str = "") -> dict[str, Any]:
        workflow = loads_workflow(text)
        return self.create(workflow, user=user, message="imported")

    def update(self, workflow_id: str, definition: Any, *, user: str = "",
               message: str = "", base_revision: int | None = None) -> dict[str, Any]:
        """Save a new revision; with ``base_revision``, refuse if someone saved meanwhile."""
        workflow = self._validator().ensure_valid(definition)
        data = workflow.model_dump(mode="json", exclude_none=True)
        with self.db.session() as session:
            row = self._row(session, workflow_id)
            if base_revision is not None and base_revision != row.revision:
                raise Conflict(f"workflow changed since revision {base_revision} (now "
                               f"{row.revision}); reload it before saving")
            row.revision += 1
            row.name, row.description, row.definition = workflow.name, workflow.description, data
            row.updated_at = utcnow()
            session.add(RevisionRow(workflow_id=row.id, revision=row.revision, definition=data,
                                    created_by=user, message=message))
            self._sync_hooks(session, row.id, workflow)
            session.flush()
            view = self._view(session, row)
        self._changed(workflow_id)
        return view

    def set_enabled(self, workflow_id: str, enabled: bool) -> dict[str, Any]:
        with self.db.session() as session:
            row = self._row(session, workflow_id)
            row.enabled = enabled
            row.updated_at = utcnow()
            view = self._view(session, row)
        self._changed(workflow_id)
        return view

    def delete(self, workflow_id: str) -> None:
        """Soft delete: executions keep pointing at their revision; hooks stop at once."""
        with self.db.session() as session:
            row = self._row(session, workflow_id)
            row.deleted_at = utcnow()
            session.execute(delete(HookRow).where(HookRow.workflow_id == workflow_id))
        self._changed(workflow_id)

    def get(self, workflow_id: str) -> dict[str, Any]:
        with self.db.session() as session:
            return self._view(session, self._row(session, workflow_id))

    def get_model(self, workflow_id: str) -> tuple[Workflow, int]:
        with self.db.session() as session:
            row = self._row(session, workflow_id)
            return Workflow.model_validate(row.definition), row.revision

    def search(self, *, q: str = "", limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
        limit = _page_size(limit)
        with self.db.session() as session:
            stmt = select(WorkflowRow).where(WorkflowRow.deleted_at.is_(None))
            if q:
                pattern = f"%{q.lower()}%"
                stmt = stmt.where(or_(func.lower(WorkflowRow.name).like(pattern),
                                      func.lower(WorkflowRow.description).like(pattern)))
            if cursor:
                stmt = stmt.where(WorkflowRow.id < cursor)
            rows = session.scalars(stmt.order_by(WorkflowRow.id.desc()).limit(limit + 1)).all()
            items = [self._summary(r) for r in rows[:limit]]
        next_cursor = rows[limit - 1].id if len(rows) > limit else None
        return {"items": items, "next_cursor": next_cursor}

    def revisions(self, workflow_id: str) -> dict[str, Any]:
        with self.db.session() as session:
            self._row(session, workflow_id)
            rows = session.scalars(
                select(RevisionRow).where(RevisionRow.workflow_id == workflow_id)
                .order_by(RevisionRow.revision.desc())
            ).all()
            return {"items": [self._revision(r, with_definition=False) for r in rows]}

    def revision(self, workflow_id: str, revision: int) -> dict[str, Any]:
        with self.db.session() as session:
            row = session.get(RevisionRow, (workflow_id, revision))
            if row is None:
                raise NotFound("workflow revision", f"{workflow_id}@{revision}")
            return self._revision(row, with_definition=True)

    def restore(self, workflow_id: str, revision: int, *, user: str = "") -> dict[str, Any]:
        old = self.revision(workflow_id, revision)
        return self.update(workflow_id, old["definition"], user=user,
                           message=f"restored revision {revision}")

    def export(self, workflow_id: str, fmt: str) -> str:
        if fmt not in ("yaml", "json"):
            raise InvalidInput("must be 'yaml' or 'json'", field="format")
        workflow, _ = self.get_model(workflow_id)
        return dumps_workflow(workflow, "json" if fmt == "json" else "yaml")

    def hooks(self) -> dict[str, Any]:
        with self.db.session() as session:
            rows = session.scalars(select(HookRow).order_by(HookRow.created_at)).all()
            return {"items": [self._hook(r) for r in rows]}

    def hook_target(self, hook_id: str) -> HookTarget:
        """The workflow a hook starts; cached for a second so intake skips the database."""
        now = time.monotonic()
        cached = self._hooks.get(hook_id)
        if cached is not None and now - cached[0] < 1.0:
            target = cached[1]
        else:
            target = self._load_hook(hook_id)
            with self._hooks_lock:
                if len(self._hooks) > 10000:
                    self._hooks.clear()
                self._hooks[hook_id] = (now, target)
        if target is None or not target.enabled:
            raise NotFound("hook", hook_id)
        return target

    def _load_hook(self, hook_id: str) -> HookTarget | None:
        with self.db.session() as session:
            found = session.execute(
                select(HookRow, WorkflowRow)
                .join(WorkflowRow, WorkflowRow.id == HookRow.workflow_id)
                .where(HookRow.id == hook_id, WorkflowRow.deleted_at.is_(None))
            ).first()
            if found is None:
                return None
            hook, row = found
            workflow = Workflow.model_validate(row.definition)
        trigger = next((t for t in workflow.triggers
                        if t.id == hook.trigger_id and isinstance(t, WebhookTrigger)), None)
        if trigger is None:
            return None
        enabled = hook.enabled and row.enabled and trigger.enabled
        return HookTarget(hook.id, row.id, row.revision, trigger, workflow, enabled)

    def _changed(self, workflow_id: str) -> None:
        with self._hooks_lock:
            self._hooks.clear()
        self._on_change(workflow_id)

    def _row(self, session: Session, workflow_id: str) -> WorkflowRow:
        row = session.get(WorkflowRow, workflow_id)
        if row is None or row.deleted_at is not None:
            raise NotFound("workflow", workflow_id)
        return row

    def _sync_hooks(self, session: Session, workflow_id: str, workflow: Workflow) -> None:
        wanted = {t.id for t in workflow.triggers if isinstance(t, WebhookTrigger)}
        existing = {h.trigger_id: h for h in session.scalars(
            select(HookRow).where(HookRow.workflow_id == workflow_id))}
        for trigger_id, hook in existing.items():
            if trigger_id not in wanted:
                session.delete(hook)
        for trigger_id in wanted - existing.keys():
            session.add(HookRow(id=new_token(24), workflow_id=workflow_id,
                                trigger_id=trigger_id))

    def hook_url(self, hook_id: str) -> str:
        return f"{self.base_url}/api/v1/hooks/{hook_id}"

    def _hook(self, row: HookRow) -> dict[str, Any]:
        return {"hook_id": row.id, "workflow_id": row.workflow_id, "trigger_id": row.trigger_id,
                "url": self.hook_url(row.id), "enabled": row.enabled}

    def _summary(self, row: WorkflowRow) -> dict[str, Any]:
        definition = row.definition
        return {
            "id": row.id,
            "name": row.name,
            "description": row.description,
            "enabled": row.enabled,
            "revision": row.revision,
            "tags": definition.get("tags", []),
            "triggers": [{"id": t.get("id"), "type": t.get("type")}
                         for t in definition.get("triggers", [])],
            "step_count": len(definition.get("steps", [])),
            "created_at": iso(row.created_at),
            "updated_at": iso(row.updated_at),
        }

    def _view(self, session: Session, row: WorkflowRow) -> dict[str, Any]:
        hooks = session.scalars(select(HookRow).where(HookRow.workflow_id == row.id)).all()
        return {**self._summary(row), "definition": row.definition,
                "hooks": [self._hook(h) for h in hooks]}

    @staticmethod
    def _revision(row: RevisionRow, *, with_definition: bool) -> dict[str, Any]:
        view: dict[str, Any] = {"revision": row.revision, "created_at": iso(row.created_at),
                                "created_by": row.created_by, "message": row.message}
        if with_definition:
            view["definition"] = row.definition
        return view


def _page_size(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"must be between 1 and {MAX_PAGE}", field="limit")
    return limit
