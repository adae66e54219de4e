"""Values of the assets slice: what callers send, what the API answers, and import parsing.

An asset's ``ip`` is one address (``10.0.0.5``) or a network (``10.20.0.0/16``); both are
stored in canonical form (``2001:db8::1``, host bits of a network cleared). An asset needs a
hostname, an ip or both, since lookups go by one of them.
"""

from __future__ import annotations

import ipaddress
import json
from datetime import datetime
from typing import Any, Literal

import orjson
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from threatflow.db.engine import dumps
from threatflow.errors import InvalidInput

Criticality = Literal["low", "medium", "high", "critical"]
RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2, "critical": 3}
ImportMode = Literal["merge", "replace"]
Syntax = Literal["json", "yaml"]


def normalize_ip(text: str) -> str:
    """The canonical form of an address or CIDR network; ``ValueError`` when it is neither."""
    if "/" in text:
        return str(ipaddress.ip_network(text, strict=False))
    return str(ipaddress.ip_address(text))


class AssetIn(BaseModel):
    """An asset as the API receives it (create and full update)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    hostname: str | None = Field(None, max_length=255, description="Short name or FQDN")
    ip: str | None = Field(None, max_length=64, description="Address or CIDR network")
    owner: str | None = Field(None, max_length=200, description="Team or person responsible")
    criticality: Criticality = "medium"
    tags: list[str] = Field(default_factory=list)
    attributes: dict[str, Any] = Field(default_factory=dict,
                                       description="Anything else (os, location, CMDB id...)")

    @field_validator("hostname", "ip", "owner")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("hostname")
    @classmethod
    def _hostname(cls, value: str | None) -> str | None:
        if value is not None and any(ch.isspace() for ch in value):
            raise PydanticCustomError("hostname", "a hostname has no spaces")
        return value

    @field_validator("ip")
    @classmethod
    def _ip(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return normalize_ip(value)
        except ValueError:
            raise PydanticCustomError(
                "ip", "'{value}' is not an IP address or a CIDR network", {"value": value}
            ) from None

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(tag for tag in value if tag))

    @field_validator("attributes")
    @classmethod
    def _json_safe(cls, value: dict[str, Any]) -> dict[str, Any]:
        # YAML imports bring dates and non-text keys; store what JSON columns give back
        result: dict[str, Any] = orjson.loads(dumps(value))
        return result

    @model_validator(mode="after")
    def _findable(self) -> AssetIn:
        if self.hostname is None and self.ip is None:
            raise PydanticCustomError("asset_key", "give a hostname, an ip or both")
        return self


class AssetEntry(AssetIn):
    """An asset in an imported list or an inventory file: unknown keys become attributes."""

    @model_validator(mode="before")
    @classmethod
    def _fold_extras(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        extras = {k: v for k, v in data.items() if k not in cls.model_fields}
        if not extras:
            return data
        known = {k: v for k, v in data.items() if k in cls.model_fields}
        given = known.get("attributes")
        known["attributes"] = {**extras, **given} if isinstance(given, dict) else given or extras
        return known


class AssetOut(AssetIn):
    """A stored asset."""

    id: str
    created_at: datetime
    updated_at: datetime


class AssetPage(BaseModel):
    """One page of a filtered list; ``total`` counts every match."""

    items: list[AssetOut]
    total: int
    limit: int
    offset: int


class ImportResult(BaseModel):
    """What an import did; ``total`` is the number of assets afterwards."""

    mode: ImportMode
    created: int
    updated: int
    deleted: int
    total: int


class LookupResult(BaseModel):
    """Assets matching an address or hostname; ``criticality`` is the highest among them."""

    found: bool
    criticality: Criticality | None
    owner: str | None
    assets: list[AssetOut]


def load_document(text: str, syntax: Syntax | None = None) -> Any:
    """Parse JSON or YAML text; without ``syntax``, JSON is tried first."""
    if syntax != "yaml":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if syntax == "json":
                raise InvalidInput(f"not JSON: {exc.msg} at line {exc.lineno}",
                                   field="body") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "unreadable"
        expected = "YAML" if syntax == "yaml" else "JSON or YAML"
        raise InvalidInput(f"not {expected}: {problem}{where}", field="body") from None


def parse_entries(raw: Any, source: str = "assets") -> list[AssetEntry]:
    """Validate a list of assets (or ``{"assets": [...]}``), every entry before failing.

    Raises:
        InvalidInput: naming each problem as ``assets[3].ip: ...`` (``source`` replaces
            ``assets`` to name a file).
    """
    if isinstance(raw, dict) and "assets" in raw:
        raw = raw["assets"]
    if not isinstance(raw, list):
        raise InvalidInput(f"{source}: expected a list of assets or {{\"assets\": [...]}}")
    entries: list[AssetEntry] = []
    problems: list[str] = []
    for index, item in enumerate(raw):
        try:
            entries.append(AssetEntry.model_validate(item))
        except ValidationError as exc:
            problems += [f"{source}[{index}]{_path(e['loc'])}: {e['msg']}" for e in exc.errors()]
    if problems:
        raise InvalidInput("; ".join(problems))
    return entries


def _path(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
