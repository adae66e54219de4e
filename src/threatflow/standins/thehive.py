"""A TheHive 5 stand-in: the REST API v1 subset the ``thehive`` app uses, validated.

Every call needs ``Authorization: Bearer <api_key>`` (401 ``AuthenticationError`` otherwise)
and, when sent, an ``X-Organisation`` the user belongs to (403). Bodies are checked like
TheHive checks them (required attributes, types, severity 1..4, TLP 0..4, PAP 0..3) and
rejected with 400 ``AttributeCheckingError``. An alert whose type, source and sourceRef
already exist is refused with 400 ``CreateError``. Objects live in memory; ids look like
TheHive's (``~40964104``).
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from threatflow.standins._server import BadJson, Reply, Request

__all__ = ["TheHiveService"]

_SEVERITY_LABELS = {1: "LOW", 2: "MEDIUM", 3: "HIGH", 4: "CRITICAL"}
_TLP_LABELS = {0: "CLEAR", 1: "GREEN", 2: "AMBER", 3: "AMBER+STRICT", 4: "RED"}
_PAP_LABELS = {0: "CLEAR", 1: "GREEN", 2: "AMBER", 3: "RED"}
OBSERVABLE_TYPES = frozenset(
    {
        "autonomous-system",
        "domain",
        "file",
        "filename",
        "fqdn",
        "hash",
        "hostname",
        "ip",
        "mail",
        "mail-subject",
        "other",
        "regexp",
        "registry",
        "uri_path",
        "url",
        "user-agent",
    }
)

# attribute -> (accepted JSON types, required); bool is excluded from int on purpose below
Schema = Mapping[str, tuple[tuple[type, ...], bool]]

ALERT_SCHEMA: Schema = {
    "type": ((str,), True),
    "source": ((str,), True),
    "sourceRef": ((str,), True),
    "title": ((str,), True),
    "description": ((str,), True),
    "severity": ((int,), False),
    "date": ((int,), False),
    "tags": ((list,), False),
    "tlp": ((int,), False),
    "pap": ((int,), False),
    "externalLink": ((str,), False),
    "summary": ((str,), False),
    "caseTemplate": ((str,), False),
    "observables": ((list,), False),
    "customFields": ((list, dict), False),
    "flag": ((bool,), False),
    "status": ((str,), False),
}
CASE_SCHEMA: Schema = {
    "title": ((str,), True),
    "description": ((str,), True),
    "severity": ((int,), False),
    "startDate": ((int,), False),
    "tags": ((list,), False),
    "flag": ((bool,), False),
    "tlp": ((int,), False),
    "pap": ((int,), False),
    "status": ((str,), False),
    "summary": ((str,), False),
    "assignee": ((str,), False),
    "caseTemplate": ((str,), False),
    "customFields": ((list, dict), False),
}
CASE_UPDATE_SCHEMA: Schema = {
    **{name: (types, False) for name, (types, _) in CASE_SCHEMA.items()},
    "impactStatus": ((str,), False),
    "endDate": ((int,), False),
    "addTags": ((list,), False),
    "removeTags": ((list,), False),
}
OBSERVABLE_SCHEMA: Schema = {
    "dataType": ((str,), True),
    "data": ((str, list), True),
    "message": ((str,), False),
    "tlp": ((int,), False),
    "pap": ((int,), False),
    "tags": ((list,), False),
    "ioc": ((bool,), False),
    "sighted": ((bool,), False),
    "ignoreSimilarity": ((bool,), False),
    "startDate": ((int,), False),
}
PROMOTE_SCHEMA: Schema = {name: (types, False) for name, (types, _) in CASE_SCHEMA.items()}
COMMENT_SCHEMA: Schema = {"message": ((str,), True)}
CASE_STATUSES = frozenset(
    {"New", "InProgress", "Indeterminate", "FalsePositive", "TruePositive", "Other", "Duplicated"}
)


class HiveError(Exception):
    """An error answer, shaped like TheHive's ``{"type": ..., "message": ...}``."""

    def __init__(self, status: int, kind: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.reply = Reply.json(status, {"type": kind, "message": message, **extra})


def _now_ms() -> int:
    return int(time.time() * 1000)


def _is_type(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool) and bool not in types:
        return False  # JSON true is not a number for TheHive
    return isinstance(value, types)


def check_attributes(entity: str, body: Any, schema: Schema) -> dict[str, Any]:
    """Return ``body`` if it fits ``schema``; otherwise raise every problem at once."""
    if not isinstance(body, dict):
        raise HiveError(400, "BadRequest", f"{entity} must be a JSON object")
    errors = [
        {
            "name": f"{entity}.{name}",
            "type": "MissingAttributeError",
            "message": f"Attribute {entity}.{name} is missing",
        }
        for name, (_, required) in schema.items()
        if required and body.get(name) is None
    ]
    errors += [
        {
            "name": f"{entity}.{name}",
            "type": "InvalidFormatAttributeError",
            "message": f"Invalid format for {entity}.{name}: {value!r}",
        }
        for name, value in body.items()
        if name not in schema or (value is not None and not _is_type(value, schema[name][0]))
    ]
    errors += _range_errors(entity, body)
    if errors:
        message = "; ".join(error["message"] for error in errors)
        raise HiveError(400, "AttributeCheckingError", message, errors=errors)
    return body


def _range_errors(entity: str, body: Mapping[str, Any]) -> list[dict[str, str]]:
    limits = {"severity": _SEVERITY_LABELS, "tlp": _TLP_LABELS, "pap": _PAP_LABELS}
    return [
        {
            "name": f"{entity}.{name}",
            "type": "InvalidFormatAttributeError",
            "message": f"Invalid value for {entity}.{name}: {body[name]!r} (allowed: "
            f"{min(labels)}..{max(labels)})",
        }
        for name, labels in limits.items()
        if isinstance(body.get(name), int) and body[name] not in labels
    ]


def _labels(entity: dict[str, Any]) -> dict[str, Any]:
    entity["severityLabel"] = _SEVERITY_LABELS[entity["severity"]]
    entity["tlpLabel"] = _TLP_LABELS[entity["tlp"]]
    entity["papLabel"] = _PAP_LABELS[entity["pap"]]
    return entity


Route = Callable[[Request, re.Match[str]], Reply]


class TheHiveService:
    """In-memory TheHive 5 behind the API v1 paths used by the ``thehive`` app."""

    name = "thehive"

    def __init__(
        self,
        api_key: str = "demo-key",
        organisation: str = "demo",
        login: str = "demo@thehive.local",
    ) -> None:
        self.api_key = api_key
        self.organisation = organisation
        self.login = login
        self.alerts: dict[str, dict[str, Any]] = {}
        self._alert_keys: dict[tuple[str, str, str], str] = {}  # type/source/sourceRef -> id
        self.cases: dict[str, dict[str, Any]] = {}
        self._case_numbers_to_ids: dict[str, str] = {}
        self.observables: dict[str, list[dict[str, Any]]] = {}
        self.comments: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(40964104, 8)
        self._case_numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._routes: list[tuple[str, re.Pattern[str], Route]] = [
            ("GET", re.compile(r"/api/v1/user/current"), self._current_user),
            ("POST", re.compile(r"/api/v1/alert"), self._create_alert),
            ("GET", re.compile(r"/api/v1/alert/(?P<id>[^/]+)"), self._get_alert),
            ("POST", re.compile(r"/api/v1/alert/(?P<id>[^/]+)/case"), self._promote_alert),
            ("POST", re.compile(r"/api/v1/alert/(?P<id>[^/]+)/observable"), self._alert_observable),
            ("POST", re.compile(r"/api/v1/case"), self._create_case),
            ("GET", re.compile(r"/api/v1/case/(?P<id>[^/]+)"), self._get_case),
            ("PATCH", re.compile(r"/api/v1/case/(?P<id>[^/]+)"), self._update_case),
            ("POST", re.compile(r"/api/v1/case/(?P<id>[^/]+)/observable"), self._case_observable),
            ("POST", re.compile(r"/api/v1/case/(?P<id>[^/]+)/comment"), self._case_comment),
            ("POST", re.compile(r"/api/v1/query"), self._query),
        ]

    def handle(self, request: Request) -> Reply:
        try:
            self._authenticate(request)
            route, match = self._route(request)
            with self._lock:  # one writer at a time keeps the duplicate check honest
                return route(request, match)
        except HiveError as error:
            return error.reply
        except BadJson as exc:
            return Reply.json(400, {"type": "BadRequest", "message": f"Invalid Json: {exc}"})

    def _authenticate(self, request: Request) -> None:
        if request.bearer_token() != self.api_key:
            raise HiveError(401, "AuthenticationError", "Authentication failure")
        organisation = request.header("X-Organisation")
        if organisation not in (None, self.organisation):
            raise HiveError(
                403, "AuthorizationError", f"User {self.login} is not in {organisation}"
            )

    def _route(self, request: Request) -> tuple[Route, re.Match[str]]:
        allowed = False
        for method, pattern, route in self._routes:
            match = pattern.fullmatch(request.path)
            if match and method == request.method:
                return route, match
            allowed = allowed or match is not None
        if allowed:
            raise HiveError(405, "BadRequest", f"{request.method} not allowed on {request.path}")
        raise HiveError(404, "NotFoundError", f"{request.path} not found")

    def _new_id(self) -> str:
        return f"~{next(self._ids)}"

    def _stamp(self, kind: str) -> dict[str, Any]:
        return {
            "_id": self._new_id(),
            "_type": kind,
            "_createdBy": self.login,
            "_createdAt": _now_ms(),
        }

    def _current_user(self, request: Request, match: re.Match[str]) -> Reply:
        return Reply.json(
            200,
            {
                "_id": "~4096",
                "_type": "User",
                "_createdBy": "system@thehive.local",
                "_createdAt": 0,
                "login": self.login,
                "name": "Demo analyst",
                "hasKey": True,
                "hasPassword": False,
                "hasMFA": False,
                "locked": False,
                "profile": "analyst",
                "organisation": self.organisation,
                "organisations": [{"organisation": self.organisation, "profile": "analyst"}],
            },
        )

    # alerts

    def _create_alert(self, request: Request, match: re.Match[str]) -> Reply:
        body = check_attributes("alert", request.json(), ALERT_SCHEMA)
        observables = [
            check_attributes("observable", o, OBSERVABLE_SCHEMA)
            for o in body.get("observables") or []
        ]
        self._check_data_types(observables)
        key = (body["type"], body["source"], body["sourceRef"])
        if key in self._alert_keys:
            raise HiveError(400, "CreateError", "Alert {} / {} / {} already exists".format(*key))
        alert = self._new_alert(body)
        self.alerts[alert["_id"]] = alert
        self._alert_keys[key] = alert["_id"]
        self.observables[alert["_id"]] = [
            self._new_observable(o, d) for o in observables for d in self._data_list(o)
        ]
        alert["observableCount"] = len(self.observables[alert["_id"]])
        return Reply.json(201, alert)

    def _new_alert(self, body: dict[str, Any]) -> dict[str, Any]:
        now = _now_ms()
        fields = {k: v for k, v in body.items() if k != "observables"}
        alert = {
            **self._stamp("Alert"),
            "severity": 2,
            "tlp": 2,
            "pap": 2,
            "tags": [],
            "date": now,
            "follow": True,
            "flag": False,
            "customFields": [],
            "observableCount": 0,
            "extraData": {},
            **fields,
            "status": "New",
            "stage": "New",
            "newDate": now,
            "timeToDetect": 0,
        }
        return _labels(alert)

    def _alert(self, alert_id: str) -> dict[str, Any]:
        if alert_id not in self.alerts:
            raise HiveError(404, "NotFoundError", f"Alert {alert_id} not found")
        return self.alerts[alert_id]

    def _get_alert(self, request: Request, match: re.Match[str]) -> Reply:
        return Reply.json(200, self._alert(match["id"]))

    def _promote_alert(self, request: Request, match: re.Match[str]) -> Reply:
        alert = self._alert(match["id"])
        options = check_attributes("case", request.json() if request.body else {}, PROMOTE_SCHEMA)
        if alert.get("caseId"):
            raise HiveError(400, "BadRequest", f"Alert {alert['_id']} is already imported")
        fields = {k: alert[k] for k in ("title", "description", "severity", "tlp", "pap", "tags")}
        case = self._new_case({**fields, **options})
        self.observables[case["_id"]] = [dict(o) for o in self.observables.get(alert["_id"], [])]
        alert.update(
            caseId=case["_id"],
            status="Imported",
            stage="Imported",
            importedDate=_now_ms(),
            _updatedBy=self.login,
            _updatedAt=_now_ms(),
        )
        return Reply.json(201, case)

    def _alert_observable(self, request: Request, match: re.Match[str]) -> Reply:
        alert = self._alert(match["id"])
        created = self._add_observables(alert["_id"], request.json())
        alert["observableCount"] = len(self.observables[alert["_id"]])
        return Reply.json(201, created)

    # cases

    def _new_case(self, body: dict[str, Any]) -> dict[str, Any]:
        now = _now_ms()
        case = {
            **self._stamp("Case"),
            "number": next(self._case_numbers),
            "severity": 2,
            "tlp": 2,
            "pap": 2,
            "tags": [],
            "flag": False,
            "startDate": now,
            "status": "New",
            "stage": "New",
            "customFields": [],
            "extraData": {},
            "access": {"kind": "OrganisationWide"},
            "newDate": now,
            "timeToDetect": 0,
            **{k: v for k, v in body.items() if k != "caseTemplate"},
        }
        self._check_status(case["status"])
        self.cases[case["_id"]] = _labels(case)
        self._case_numbers_to_ids[str(case["number"])] = case["_id"]
        return case

    def _check_status(self, status: str) -> None:
        if status not in CASE_STATUSES:
            raise HiveError(400, "BadRequest", f"Invalid case status {status!r}")

    def _create_case(self, request: Request, match: re.Match[str]) -> Reply:
        body = check_attributes("case", request.json(), CASE_SCHEMA)
        return Reply.json(201, self._new_case(body))

    def _case(self, id_or_number: str) -> dict[str, Any]:
        case_id = self._case_numbers_to_ids.get(id_or_number, id_or_number)
        if case_id not in self.cases:
            raise HiveError(404, "NotFoundError", f"Case {id_or_number} not found")
        return self.cases[case_id]

    def _get_case(self, request: Request, match: re.Match[str]) -> Reply:
        return Reply.json(200, self._case(match["id"]))

    def _update_case(self, request: Request, match: re.Match[str]) -> Reply:
        case = self._case(match["id"])
        changes = check_attributes("case", request.json(), CASE_UPDATE_SCHEMA)
        if "status" in changes:
            self._check_status(changes["status"])
        tags = [t for t in case.get("tags", []) if t not in changes.pop("removeTags", [])]
        tags += [t for t in changes.pop("addTags", []) if t not in tags]
        case.update(tags=tags, **changes, _updatedBy=self.login, _updatedAt=_now_ms())
        _labels(case)
        return Reply.empty(204)

    def _case_observable(self, request: Request, match: re.Match[str]) -> Reply:
        case = self._case(match["id"])
        return Reply.json(201, self._add_observables(case["_id"], request.json()))

    def _case_comment(self, request: Request, match: re.Match[str]) -> Reply:
        case = self._case(match["id"])
        body = check_attributes("comment", request.json(), COMMENT_SCHEMA)
        comment = {
            **self._stamp("Comment"),
            "createdBy": self.login,
            "createdAt": _now_ms(),
            "message": body["message"],
            "isEdited": False,
            "extraData": {},
        }
        self.comments.setdefault(case["_id"], []).append(comment)
        return Reply.json(201, comment)

    # observables

    @staticmethod
    def _data_list(observable: Mapping[str, Any]) -> list[str]:
        data = observable["data"]
        return [str(d) for d in data] if isinstance(data, list) else [data]

    @staticmethod
    def _check_data_types(observables: list[dict[str, Any]]) -> None:
        unknown = sorted({o["dataType"] for o in observables} - OBSERVABLE_TYPES)
        if unknown:
            raise HiveError(400, "BadRequest", f"Observable type {', '.join(unknown)} not found")

    def _add_observables(self, parent_id: str, body: Any) -> list[dict[str, Any]]:
        observable = check_attributes("observable", body, OBSERVABLE_SCHEMA)
        self._check_data_types([observable])
        created = [self._new_observable(observable, data) for data in self._data_list(observable)]
        self.observables.setdefault(parent_id, []).extend(created)
        return created

    def _new_observable(self, body: Mapping[str, Any], data: str) -> dict[str, Any]:
        observable = {
            **self._stamp("Observable"),
            "startDate": _now_ms(),
            "tlp": 2,
            "pap": 2,
            "ioc": False,
            "sighted": False,
            "ignoreSimilarity": False,
            "tags": [],
            "reports": {},
            "extraData": {},
            **body,
            "data": data,
        }
        observable["tlpLabel"] = _TLP_LABELS.get(observable["tlp"], "AMBER")
        observable["papLabel"] = _PAP_LABELS.get(observable["pap"], "AMBER")
        return observable

    # query API

    def _query(self, request: Request, match: re.Match[str]) -> Reply:
        body = request.json()
        steps = body.get("query") if isinstance(body, dict) else None
        if not isinstance(steps, list) or not steps or not isinstance(steps[0], dict):
            raise HiveError(400, "BadRequest", "query must be a non-empty list of operations")
        sources = {"listAlert": self.alerts, "listCase": self.cases}
        if steps[0].get("_name") not in sources:
            raise HiveError(400, "BadRequest", f"Unsupported query {steps[0].get('_name')!r}")
        items = list(sources[steps[0]["_name"]].values())
        for step in steps[1:]:
            items = _apply_step(items, step)
        return Reply.json(200, items)


def _apply_step(items: list[dict[str, Any]], step: Any) -> list[dict[str, Any]]:
    name = step.get("_name") if isinstance(step, dict) else None
    if name == "filter":
        condition = {k: v for k, v in step.items() if k != "_name"}
        return [item for item in items if _matches(item, condition)]
    if name == "page":
        start, end = int(step.get("from", 0)), int(step.get("to", len(items)))
        return items[start:end]
    if name == "sort":
        for spec in reversed(step.get("_fields", [])):
            (field, order), *_ = spec.items()
            items = sorted(items, key=lambda i: str(i.get(field, "")), reverse=order == "desc")
        return items
    raise HiveError(400, "BadRequest", f"Unsupported query operation {name!r}")


def _matches(item: Mapping[str, Any], condition: Mapping[str, Any]) -> bool:
    if "_and" in condition:
        return all(_matches(item, c) for c in condition["_and"])
    if "_or" in condition:
        return any(_matches(item, c) for c in condition["_or"])
    if "_not" in condition:
        return not _matches(item, condition["_not"])
    if "_any" in condition:
        return True
    if "_eq" in condition:
        condition = condition["_eq"]
    if "_field" in condition:
        return bool(item.get(condition["_field"]) == condition.get("_value"))
    raise HiveError(400, "BadRequest", f"Unsupported filter {sorted(condition)}")
