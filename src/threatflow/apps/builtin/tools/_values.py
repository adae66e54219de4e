"""Value helpers of the ``tools`` app: field paths, list conditions, coercion, dedupe keys."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, Literal

import regex

from threatflow.engine.filters import REGEX_SECONDS
from threatflow.errors import ParamsInvalid, Problem

Operator = Literal[
    "equals",
    "not_equals",
    "contains",
    "starts_with",
    "ends_with",
    "gt",
    "lt",
    "ge",
    "le",
    "in",
    "regex",
    "is_empty",
    "exists",
]
ValueType = Literal["auto", "string", "number", "integer", "boolean", "json"]

_MISSING = object()
_TRUE_WORDS = {"true", "yes", "on", "1"}
_FALSE_WORDS = {"false", "no", "off", "0"}


def invalid(field: str, message: str, code: str = "value_error") -> ParamsInvalid:
    """A :class:`ParamsInvalid` about one parameter."""
    return ParamsInvalid([Problem(f"params.{field}", message, code)])


def lookup(item: Any, path: str) -> Any:
    """The value at a dotted ``path`` (``a.b.0.c``) in ``item``, or ``_MISSING``."""
    current = item
    for part in path.split(".") if path else []:
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and _is_index(part, len(current)):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def _is_index(part: str, length: int) -> bool:
    return part.lstrip("-").isdigit() and -length <= int(part) < length


def as_list(value: Any, field: str) -> list[Any]:
    """A list given as such or as JSON text; anything else is a parameter error."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise invalid(field, "expected a list or a JSON array") from None
    if not isinstance(value, list):
        raise invalid(field, "expected a list or a JSON array")
    return value


def number(value: Any) -> float | None:
    """``value`` as a finite number when it is one or reads as one (booleans are not)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            parsed = float(value.strip())
        except ValueError:
            return None
        return parsed if math.isfinite(parsed) else None
    return None


def _text(value: Any, case_sensitive: bool) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if case_sensitive else text.casefold()


def _equals(left: Any, right: Any, case_sensitive: bool) -> bool:
    if left == right and type(left) is type(right):
        return True
    left_number, right_number = number(left), number(right)
    if left_number is not None and right_number is not None:
        return left_number == right_number
    if isinstance(left, dict | list) or isinstance(right, dict | list):
        return bool(left == right)
    return _text(left, case_sensitive) == _text(right, case_sensitive)


def _contains(container: Any, wanted: Any, case_sensitive: bool) -> bool:
    if isinstance(container, list):
        return any(_equals(item, wanted, case_sensitive) for item in container)
    if isinstance(container, dict):
        return str(wanted) in container
    return _text(wanted, case_sensitive) in _text(container, case_sensitive)


def _order(left: Any, right: Any) -> int | None:
    """-1, 0 or 1 comparing numbers (or two strings, e.g. ISO dates); None if incomparable."""
    left_number, right_number = number(left), number(right)
    if left_number is not None and right_number is not None:
        return (left_number > right_number) - (left_number < right_number)
    if isinstance(left, str) and isinstance(right, str):
        return (left > right) - (left < right)
    return None


def _is_empty(value: Any) -> bool:
    if value is _MISSING or value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | dict) and not value


Check = Callable[[Any], bool]


def make_check(operator: Operator, value: Any, case_sensitive: bool) -> Check:
    """A predicate on a field value (``_MISSING`` when the path is absent)."""
    if operator == "regex":
        return _regex_check(value, case_sensitive)
    if operator in ("gt", "lt", "ge", "le"):
        return _order_check(operator, value)
    checks: dict[str, Check] = {
        "equals": lambda found: _equals(found, value, case_sensitive),
        "not_equals": lambda found: found is _MISSING or not _equals(found, value, case_sensitive),
        "contains": lambda found: _contains(found, value, case_sensitive),
        "starts_with": lambda found: _text(found, case_sensitive).startswith(
            _text(value, case_sensitive)
        ),
        "ends_with": lambda found: _text(found, case_sensitive).endswith(
            _text(value, case_sensitive)
        ),
        "in": lambda found: _contains(value, found, case_sensitive),
        "is_empty": _is_empty,
        "exists": lambda found: True,
    }
    check = checks[operator]
    if operator in ("is_empty", "not_equals"):
        return check
    return lambda found: found is not _MISSING and check(found)


def _order_check(operator: Operator, value: Any) -> Check:
    accepted = {"gt": (1,), "lt": (-1,), "ge": (0, 1), "le": (-1, 0)}[operator]

    def check(found: Any) -> bool:
        order = _order(found, value) if found is not _MISSING else None
        return order is not None and order in accepted

    return check


def _regex_check(pattern: Any, case_sensitive: bool) -> Check:
    try:
        compiled = regex.compile(str(pattern), 0 if case_sensitive else regex.IGNORECASE)
    except regex.error as exc:
        raise invalid("value", f"invalid regular expression: {exc}") from None

    def check(found: Any) -> bool:
        if found is _MISSING:
            return False
        try:
            return compiled.search(_text(found, True), timeout=REGEX_SECONDS) is not None
        except TimeoutError:
            raise invalid("value", f"the regular expression took more than {REGEX_SECONDS:g} "
                          "s on an item; make it less ambiguous") from None

    return check


def split_items(items: list[Any], field: str, check: Check, negate: bool) -> dict[str, Any]:
    """Items for which ``check(field value)`` holds go to ``valid``, the rest to ``invalid``."""
    valid: list[Any] = []
    rejected: list[Any] = []
    for item in items:
        (valid if check(lookup(item, field)) != negate else rejected).append(item)
    return {"valid": valid, "invalid": rejected}


def dedupe_key(item: Any, key: str = "") -> str:
    """A stable identity for ``item``: the value at ``key`` when given and present."""
    if key:
        found = lookup(item, key)
        if found is not _MISSING:
            item = found
    return json.dumps(item, sort_keys=True, default=str)


def coerce(value: Any, as_type: ValueType) -> Any:
    """``value`` converted to ``as_type``; a parameter error when it does not convert."""
    if as_type == "auto":
        return value
    if as_type == "string":
        return value if isinstance(value, str) else json.dumps(value, default=str)
    if as_type == "json":
        return _parse_json(value)
    if as_type == "boolean":
        return _boolean(value)
    found = number(value)
    if found is None:
        raise invalid("value", f"{value!r} is not a number")
    if as_type == "integer":
        if not found.is_integer():
            raise invalid("value", f"{value!r} is not a whole number")
        return int(found)
    return int(found) if found.is_integer() and not isinstance(value, float) else found


def _parse_json(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as exc:
        raise invalid("value", f"not valid JSON: {exc}") from None


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE_WORDS or word in _FALSE_WORDS:
        return word in _TRUE_WORDS
    raise invalid("value", f"{value!r} is not a boolean")
