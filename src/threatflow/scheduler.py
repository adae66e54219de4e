"""Schedule triggers: start executions on cron expressions (croniter does the calendar).

A missed fire time (the server was down) is not caught up; the next one is taken.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from croniter import croniter
from sqlalchemy import select

from threatflow.db.engine import Database
from threatflow.engine.model import ScheduleTrigger, Workflow
from threatflow.errors import InvalidInput, ThreatflowError
from threatflow.executions.service import ExecutionService
from threatflow.ids import utcnow
from threatflow.workflows.models import WorkflowRow

log = logging.getLogger(__name__)


def next_times(cron: str, count: int = 5, timezone: str = "UTC",
               start: datetime | None = None) -> list[datetime]:
    """The next ``count`` fire times of a cron expression, in UTC."""
    if not croniter.is_valid(cron):
        raise InvalidInput(f"invalid cron expression {cron!r}", field="cron")
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):
        raise InvalidInput(f"unknown time zone {timezone!r}", field="timezone") from None
    base = (start or utcnow()).astimezone(zone)
    it = croniter(cron, base)
    return [it.get_next(datetime).astimezone(ZoneInfo("UTC")) for _ in range(count)]


@dataclass(slots=True)
class _Entry:
    workflow_id: str
    revision: int
    workflow: Workflow
    trigger: ScheduleTrigger
    due: datetime


class Scheduler:
    def __init__(self, db: Database, executions: ExecutionService, tick: float = 1.0) -> None:
        self.db = db
        self.executions = executions
        self.tick = tick
        self._entries: list[_Entry] | None = None

    def invalidate(self) -> None:
        self._entries = None

    def _load(self) -> list[_Entry]:
        with self.db.session() as session:
            rows = session.scalars(select(WorkflowRow).where(
                WorkflowRow.deleted_at.is_(None), WorkflowRow.enabled.is_(True))).all()
            found = [(r.id, r.revision, Workflow.model_validate(r.definition)) for r in rows]
        entries = []
        for workflow_id, revision, workflow in found:
            for trigger in workflow.triggers:
                if isinstance(trigger, ScheduleTrigger) and trigger.enabled:
                    due = next_times(trigger.cron, 1, trigger.timezone)[0]
                    entries.append(_Entry(workflow_id, revision, workflow, trigger, due))
        return entries

    async def run_once(self) -> int:
        """Start every execution that is due; returns how many were started."""
        if self._entries is None:
            self._entries = await asyncio.to_thread(self._load)
        now = utcnow()
        started = 0
        for entry in self._entries:
            if entry.due > now:
                continue
            entry.due = next_times(entry.trigger.cron, 1, entry.trigger.timezone, now)[0]
            try:
                await self.executions.start(
                    entry.workflow_id, entry.revision, entry.workflow, entry.trigger.input,
                    source="schedule", trigger_id=entry.trigger.id)
                started += 1
            except ThreatflowError as exc:
                log.warning("schedule %s of workflow %s did not start: %s",
                            entry.trigger.id, entry.workflow_id, exc)
        return started

    async def run(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # keep scheduling even if one pass fails
                log.exception("scheduler pass failed")
            await asyncio.sleep(self.tick)
