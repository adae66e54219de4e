"""Readable, unique snake_case names for apps, actions and parameters.

An ``operationId`` is often namespaced (Wazuh's are Python paths such as
``api.controllers.agent_controller.delete_agents``); the last segment is the readable part.
When two operations end the same way, each takes a suffix from its namespace
(``get_status_cluster``); numbers are the last resort.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

MAX_NAME = 80

_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_NOT_WORD = re.compile(r"[^0-9A-Za-z]+")
_NAMESPACE = re.compile(r"[./:\\]")
_PATH_PARAM = re.compile(r"^\{(.+)\}$")
_NOISE_SUFFIX = re.compile(r"_?(controller|controllers|api|apis|resource|service)$")


def snake(text: str) -> str:
    """``getAgentsByID`` → ``get_agents_by_id``; ASCII letters, digits and single underscores."""
    text = _CAMEL.sub(r"\1_\2", _ACRONYM.sub(r"\1_\2", text))
    return _NOT_WORD.sub("_", text).strip("_").lower()


@dataclass(frozen=True, slots=True)
class NameCandidate:
    """A proposed action name and the namespace segments that can tell it apart."""

    base: str
    qualifiers: tuple[str, ...] = ()


def from_operation_id(operation_id: str) -> NameCandidate | None:
    """The last namespace segment of an ``operationId``, with the others as qualifiers."""
    segments = [snake(part) for part in _NAMESPACE.split(operation_id)]
    segments = [part for part in segments if part]
    if not segments:
        return None
    qualifiers = [_NOISE_SUFFIX.sub("", part) or part for part in reversed(segments[:-1])]
    return NameCandidate(_identifier(segments[-1]), tuple(q for q in qualifiers if q))


def from_method_path(method: str, path: str) -> NameCandidate:
    """``get /agents/{agent_id}/config`` → ``get_agents_by_agent_id_config``."""
    words = [method.lower()]
    for segment in path.split("/"):
        match = _PATH_PARAM.match(segment)
        words.append(f"by_{match.group(1)}" if match else segment)
    return NameCandidate(_identifier("_".join(snake(word) for word in words if snake(word))))


def _identifier(name: str) -> str:
    name = name[:MAX_NAME].rstrip("_") or "operation"
    return f"op_{name}" if name[0].isdigit() else name


def assign(candidates: list[NameCandidate]) -> list[str]:
    """One unique name per candidate, in order; clashing names take a namespace suffix."""
    counts = Counter(candidate.base for candidate in candidates)
    names = [
        f"{c.base}_{c.qualifiers[0]}" if counts[c.base] > 1 and c.qualifiers else c.base
        for c in candidates
    ]
    return unique(names)


def unique(names: Iterable[str], taken: Iterable[str] = ()) -> list[str]:
    """Keep each name, numbering repeats (``x``, ``x_2``, ``x_3``), avoiding ``taken``."""
    seen = set(taken)
    result = []
    for name in names:
        candidate, number = name, 2
        while candidate in seen:
            candidate, number = f"{name}_{number}", number + 1
        seen.add(candidate)
        result.append(candidate)
    return result
