"""Every table, imported in one place for Alembic and for tests."""

from threatflow.apps.models import ImportedAppRow, ImportedAppVersionRow
from threatflow.assets.models import AssetRow
from threatflow.credentials.models import CredentialRow
from threatflow.db.base import Base
from threatflow.executions.models import ExecutionRow, StepRunRow
from threatflow.users.models import ApiToken, User
from threatflow.workflows.models import HookRow, RevisionRow, WorkflowRow

__all__ = [
    "ApiToken",
    "AssetRow",
    "Base",
    "CredentialRow",
    "ExecutionRow",
    "HookRow",
    "ImportedAppRow",
    "ImportedAppVersionRow",
    "RevisionRow",
    "StepRunRow",
    "User",
    "WorkflowRow",
]
