"""Find apps: built-in modules, pip packages (entry point group ``threatflow.apps``) and
apps imported at run time (OpenAPI)."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from importlib.metadata import entry_points

from threatflow.apps import builtin
from threatflow.apps.sdk import Action, App
from threatflow.errors import NotFound

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "threatflow.apps"


class Registry:
    """Apps by name; later registrations of the same name replace earlier ones."""

    def __init__(self, apps: list[App] | None = None) -> None:
        self._apps: dict[str, App] = {}
        for app in apps or []:
            self.add(app)

    def add(self, app: App) -> None:
        self._apps[app.name] = app

    def remove(self, name: str) -> None:
        self._apps.pop(name, None)

    def get(self, name: str) -> App:
        try:
            return self._apps[name]
        except KeyError:
            raise NotFound("app", name) from None

    def action(self, app: str, action: str) -> Action:
        found = self.get(app).actions.get(action)
        if found is None:
            raise NotFound("action", f"{app}.{action}")
        return found

    def __contains__(self, name: object) -> bool:
        return name in self._apps

    def apps(self) -> list[App]:
        return sorted(self._apps.values(), key=lambda a: (str(a.category), a.name))


def load_builtin() -> list[App]:
    """Every module or package under ``threatflow.apps.builtin`` that defines ``app``."""
    apps = []
    for info in pkgutil.iter_modules(builtin.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{builtin.__name__}.{info.name}")
        found = getattr(module, "app", None)
        if isinstance(found, App):
            apps.append(found)
    return apps


def load_entry_points() -> list[App]:
    """Apps that pip packages declare; a broken package is logged and skipped."""
    apps = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            app = entry.load()
        except Exception:  # a third-party package must not stop the server
            log.exception("cannot load app entry point %s", entry.name)
            continue
        if isinstance(app, App):
            if app.source == "builtin":
                app.source = "package"
            apps.append(app)
        else:
            log.warning("entry point %s is not a threatflow App; ignored", entry.name)
    return apps


def default_registry() -> Registry:
    """Built-in apps plus those installed as Python packages."""
    return Registry(load_builtin() + load_entry_points())
