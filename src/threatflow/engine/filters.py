"""Filters and functions of the expression language, and the limits that keep it cheap.

Every public function here is registered on the sandboxed environment of
:mod:`threatflow.engine.expressions` under its own name (``FILTERS``); a few are also
callable as functions (``GLOBALS``). ``docs/expressions.md`` documents each one with an
example.

Workflow authors are trusted to automate, not to take the worker down, so everything a
template can build is bounded: strings stop at ``MAX_STRING`` characters, regular
expressions only look at ``MAX_REGEX_SUBJECT`` characters, lists and mappings built inside
one render stop at ``MAX_WEIGHT`` units (one per value plus one per 64 characters of text),
and loops at ``MAX_LOOP_ITERATIONS`` in total. Regular expressions from workflow authors run
on the ``regex`` engine with a time limit (``REGEX_SECONDS``): a pattern with catastrophic
backtracking fails its step instead of freezing the engine.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import json
import re
import string
from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache, wraps
from typing import Any
from urllib.parse import quote, urlencode

import regex
from jinja2 import pass_eval_context
from jinja2.filters import do_batch, do_indent, sync_do_join, sync_do_slice
from jinja2.nodes import EvalContext
from jinja2.runtime import LoopContext, Undefined

MAX_STRING = 4 * 1024 * 1024
MAX_REGEX_SUBJECT = 1024 * 1024
MAX_PATTERN = 4096
REGEX_SECONDS = 0.25  # per regular-expression operation
MAX_WIDTH = 10_000
MAX_DEPTH = 100
MAX_WEIGHT = 1 << 21
MAX_LOOP_ITERATIONS = 100_000
MAX_PARTS = 100_000

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FilterError(ValueError):
    """A filter or guard refused its input; the message says why in the author's words."""


# -- budgets of one render ------------------------------------------------------------------


@dataclass
class RenderBudget:
    """What one template run has spent: loop iterations and the weight of built values."""

    iterations: int = 0
    weights: dict[int, tuple[Any, int]] = field(default_factory=dict)

    def spend_iteration(self) -> None:
        self.iterations += 1
        if self.iterations > MAX_LOOP_ITERATIONS:
            raise FilterError(f"loops ran more than {MAX_LOOP_ITERATIONS} iterations")

    def weight(self, value: Any, depth: int = 0) -> int:
        """Size of ``value`` counted as a tree, so shared references count every time."""
        if isinstance(value, str | bytes):
            return 1 + len(value) // 64
        if not isinstance(value, list | tuple | dict):
            return 1
        known = self.weights.get(id(value))
        if known is not None:
            return known[1]
        if depth > MAX_DEPTH:
            raise FilterError(f"value is nested deeper than {MAX_DEPTH} levels")
        total = 1
        for child in value.values() if isinstance(value, dict) else value:
            total += self.weight(child, depth + 1)
            if total > MAX_WEIGHT:
                raise FilterError(f"value is larger than the limit of {MAX_WEIGHT} units")
        # The value is kept alive with its weight so that its id cannot be reused meanwhile.
        self.weights[id(value)] = (value, total)
        return total


_BUDGET: ContextVar[RenderBudget | None] = ContextVar("threatflow_render_budget", default=None)


def current_budget() -> RenderBudget:
    """The budget of the render in progress (a throwaway one outside any render)."""
    return _BUDGET.get() or RenderBudget()


def start_budget() -> object:
    """Open a fresh budget for one template run; pass the token to :func:`end_budget`."""
    return _BUDGET.set(RenderBudget())


def end_budget(token: object) -> None:
    _BUDGET.reset(token)  # type: ignore[arg-type]  # the token came from start_budget


def check_weight(value: Any) -> Any:
    """Return ``value`` after checking that a list or mapping built by a template is bounded."""
    if type(value) in (list, tuple, dict):
        current_budget().weight(value)
    return value


def checked(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a filter so that the lists and mappings it returns are weighed."""

    @wraps(func)  # copies jinja's pass_context / pass_eval_context marker too
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = func(*args, **kwargs)
        if result is None or isinstance(result, str | int | float):
            return result  # weighed by the string size guards, or weightless
        for arg in args:
            if result is arg:  # nothing new was built (default, ...)
                return result
        return check_weight(result)

    return wrapper


# -- size guards used by the environment ----------------------------------------------------


def check_size(size: int, what: str, limit: int = MAX_STRING) -> None:
    if size > limit:
        raise FilterError(f"{what} would be {size} long, over the limit of {limit}")


def _approx_len(value: Any) -> int:
    if isinstance(value, str | bytes):
        return len(value)
    return 64 * (current_budget().weight(value) if isinstance(value, list | tuple | dict) else 1)


def _longest(values: Iterable[Any]) -> int:
    return max((_approx_len(v) for v in values), default=0)


_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_width(token: str | None) -> None:
    if token == "*" or (token and (len(token) > 6 or int(token) > MAX_WIDTH)):
        raise FilterError(f"format width or precision {token!r} is over the limit of {MAX_WIDTH}")


def check_printf(fmt: str | bytes, args: Any) -> None:
    """Refuse ``%`` formatting whose widths or repeated arguments would build a huge string."""
    text = fmt.decode("latin-1") if isinstance(fmt, bytes) else fmt
    for match in _PRINTF.finditer(text):
        _check_width(match.group(1))
        _check_width(match.group(2))
    values = args.values() if isinstance(args, Mapping) else args
    values = values if isinstance(values, tuple | ValuesView) else (values,)
    check_size(len(text) + text.count("%") * _longest(values), "formatted text")


def check_format(fmt: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """The same check for ``str.format`` and ``str.format_map``."""
    fields = 0
    for _literal, name, spec, _conversion in string.Formatter().parse(fmt):
        if name is None:
            continue
        fields += 1
        if spec and "{" in spec:
            raise FilterError("nested format fields are not allowed")
        for token in re.findall(r"\d+", spec or ""):
            _check_width(token)
    check_size(len(fmt) + fields * _longest([*args, *kwargs.values()]), "formatted text")


def replaced_size(text: str | bytes, old: Any, new: Any, count: int = -1) -> int:
    """Length of ``text.replace(old, new, count)`` without building it."""
    hits = text.count(old) if old else len(text) + 1
    if count >= 0:
        hits = min(hits, count)
    return len(text) + hits * (len(new) - len(old))


_PADDING = frozenset({"center", "ljust", "rjust", "zfill"})


def check_method_call(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Check a call of a ``str``/``bytes`` method that can multiply its input; return args."""
    owner = getattr(func, "__self__", None)
    if not isinstance(owner, str | bytes):
        return args
    name = getattr(func, "__name__", "")
    if name == "translate":
        raise FilterError("translate() is not available in expressions")
    if name in _PADDING and args and isinstance(args[0], int):
        check_size(args[0], f"{name}() width")
    elif name == "expandtabs":
        tab = args[0] if args else kwargs.get("tabsize", 8)
        check_size(len(owner) * max(int(tab), 1), "expanded text")
    elif name == "replace" and len(args) >= 2:
        count = args[2] if len(args) > 2 else -1
        check_size(replaced_size(owner, args[0], args[1], count), "replaced text")
    elif name == "join" and args:
        items = list(args[0])
        check_size(sum(map(_approx_len, items)) + len(owner) * len(items), "joined text")
        return (items, *args[1:])
    return args


def check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse ``*``, ``**``, ``+`` and ``%`` whose result would be huge."""
    if operator == "*":
        seq, times = (left, right) if isinstance(right, int) else (right, left)
        if isinstance(seq, str | bytes | list | tuple) and isinstance(times, int):
            check_size(len(seq) * times, "repeated value")
    elif operator == "**" and _is_int(left) and _is_int(right) and abs(left) > 1 and right > 0:
        check_size(left.bit_length() * right, "power (in bits)", 64 * 1024)
    elif operator == "+" and isinstance(left, str | bytes | list | tuple):
        if isinstance(right, str | bytes | list | tuple):
            check_size(len(left) + len(right), "concatenation")
    elif operator == "%" and isinstance(left, str | bytes):
        check_printf(left, right)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# -- data and text forms --------------------------------------------------------------------


def kind(value: Any) -> str:
    """How a value is named in messages: null, boolean, number, text, list, mapping..."""
    if value is None:
        return "null"
    for types_, name in _KINDS:
        if isinstance(value, types_):
            return name
    return type(value).__name__


_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "boolean"),
    ((int, float), "number"),
    (str, "text"),
    ((list, tuple), "list"),
    (Mapping, "mapping"),
    ((datetime, date, time), "date and time"),
)


def fail_if_undefined(value: Any) -> None:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()


def to_data(value: Any, depth: int = 0) -> Any:
    """Copy ``value`` as plain data (JSON types); dates become ISO 8601 text.

    Raises:
        FilterError: for objects that are not data (functions, template internals, bytes).
    """
    if type(value) in (str, int, float, bool) or value is None:
        return value
    if depth > MAX_DEPTH:
        raise FilterError(f"value is nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, Mapping):
        return {_key(k): to_data(v, depth + 1) for k, v in value.items()}
    if isinstance(
        value, list | tuple | set | frozenset | range | KeysView | ValuesView | ItemsView
    ):
        return [to_data(v, depth + 1) for v in value]
    if isinstance(value, Iterator) and not isinstance(value, LoopContext):
        return [to_data(v, depth + 1) for v in value]
    return _scalar(value)


def _scalar(value: Any) -> Any:
    fail_if_undefined(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int | float):
        return float(value) if isinstance(value, float) else int(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    raise FilterError(
        f"a {type(value).__name__} is not data; expressions produce text, numbers, "
        "booleans, null, lists and mappings"
    )


def _key(key: Any) -> str:
    if isinstance(key, str):
        return str(key)
    if key is None or isinstance(key, bool | int | float):
        return to_text(key)
    raise FilterError(f"a {kind(key)} cannot be a mapping key")


def to_text(value: Any) -> str:
    """The text form used when a value is written into text: JSON for everything but text."""
    if type(value) is str:
        return value
    if isinstance(value, str):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | datetime | date | time | Undefined):
        scalar = _scalar(value)
        return scalar if isinstance(scalar, str) else str(scalar)
    return dumps_json(value)


def dumps_json(value: Any, indent: int | None = None) -> str:
    return json.dumps(to_data(value), ensure_ascii=False, indent=indent)


def _text(value: Any, what: str, limit: int = MAX_STRING) -> str:
    fail_if_undefined(value)
    if isinstance(value, str) or (isinstance(value, int | float) and not isinstance(value, bool)):
        text = str(value)
    else:
        raise FilterError(f"{what} expects text, got {kind(value)}")
    check_size(len(text), f"input of {what}", limit)
    return text


# -- JSON, regular expressions --------------------------------------------------------------


def json_filter(value: Any, indent: int | None = None) -> str:
    """Serialise a value as JSON text: ``{{ steps.lookup.result | json }}``."""
    return dumps_json(value, indent)


def from_json(value: Any) -> Any:
    """Parse JSON text into data: ``{{ (trigger.body | from_json).id }}``."""
    text = _text(value, "from_json")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise FilterError(f"not valid JSON: {exc.msg} at {where}") from None
    except RecursionError:
        raise FilterError("JSON nested too deeply") from None


@lru_cache(maxsize=512)
def _regex(pattern: str, ignorecase: bool) -> regex.Pattern[str]:
    try:
        return regex.compile(pattern, regex.IGNORECASE if ignorecase else 0)
    except regex.error as exc:
        raise FilterError(f"invalid regular expression {pattern!r}: {exc}") from None


def _compile(pattern: Any, ignorecase: bool) -> regex.Pattern[str]:
    return _regex(_text(pattern, "a regular expression", MAX_PATTERN), bool(ignorecase))


def _too_slow(pattern: Any) -> FilterError:
    return FilterError(f"regular expression {str(pattern)[:80]!r} took more than "
                       f"{REGEX_SECONDS:g} s; make it less ambiguous (nested repeats)")


def regex_search(
    value: Any, pattern: Any, group: int | str = 0, ignorecase: bool = False
) -> str | None:
    """The first match of ``pattern`` (or its ``group``), ``None`` when nothing matches."""
    subject = _text(value, "regex_search", MAX_REGEX_SUBJECT)
    try:
        match = _compile(pattern, ignorecase).search(subject, timeout=REGEX_SECONDS)
    except TimeoutError:
        raise _too_slow(pattern) from None
    if match is None:
        return None
    try:
        return match.group(group)
    except IndexError:
        raise FilterError(f"regular expression {pattern!r} has no group {group!r}") from None


def regex_findall(value: Any, pattern: Any, ignorecase: bool = False) -> list[Any]:
    """Every match; with groups in the pattern, each match is the list of its groups."""
    subject = _text(value, "regex_findall", MAX_REGEX_SUBJECT)
    try:
        found = _compile(pattern, ignorecase).findall(subject, timeout=REGEX_SECONDS)
    except TimeoutError:
        raise _too_slow(pattern) from None
    return [list(item) if isinstance(item, tuple) else item for item in found]


def regex_replace(
    value: Any, pattern: Any, repl: Any, count: int = 0, ignorecase: bool = False
) -> str:
    """Replace matches; ``repl`` may use ``\\1`` or ``\\g<name>`` back-references."""
    text = _text(value, "regex_replace", MAX_REGEX_SUBJECT)
    template = _text(repl, "regex_replace replacement")
    size = len(text)

    def expand(match: regex.Match[str]) -> str:
        nonlocal size
        piece = match.expand(template)
        size += len(piece) - (match.end() - match.start())
        check_size(size, "replaced text")
        return piece

    try:
        return _compile(pattern, ignorecase).sub(expand, text, count=int(count),
                                                 timeout=REGEX_SECONDS)
    except TimeoutError:
        raise _too_slow(pattern) from None
    except (regex.error, IndexError) as exc:  # regex reports a missing group as IndexError
        raise FilterError(f"invalid replacement {template!r}: {exc}") from None


# -- addresses and indicators ---------------------------------------------------------------


def _ip(value: Any) -> IPAddress | None:
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


@lru_cache(maxsize=1024)
def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        raise FilterError(f"{cidr!r} is not a network in CIDR notation") from None


def ip_in_cidr(value: Any, cidr_or_list: Any) -> bool:
    """Whether an IP address lies in a network (or any of a list); non-addresses give false."""
    cidrs = [cidr_or_list] if isinstance(cidr_or_list, str) else list(cidr_or_list)
    networks = [_network(_text(c, "ip_in_cidr network")) for c in cidrs]
    address = _ip(value)
    return address is not None and any(address in net for net in networks)


def is_private_ip(value: Any) -> bool:
    """Whether an IP address is not globally reachable (RFC 1918, loopback, link-local...)."""
    address = _ip(value)
    return address is not None and address.is_private


_SCHEME = re.compile(r"\b(h)tt(ps?)(?=://)|\b(f)t(p)(?=://)", re.IGNORECASE)
_DOT = re.compile(r"(?<=[A-Za-z0-9])\.(?=[A-Za-z0-9])")


def defang(value: Any) -> str:
    """Make URLs, domains and IPs unclickable: ``hxxps[:]//evil[.]com``."""
    text = _text(value, "defang")
    text = _SCHEME.sub(lambda m: f"{m[1]}xx{m[2]}" if m[1] else f"{m[3]}x{m[4]}", text)
    return _DOT.sub("[.]", text.replace("://", "[:]//"))


_REFANG = (
    (re.compile(r"\bh(?:xx|XX|\*\*)p(s?)\b", re.IGNORECASE), r"http\1"),
    (re.compile(r"\bfxp\b", re.IGNORECASE), "ftp"),
    (re.compile(r"\[:\]//|\[://\]|\(:\)//"), "://"),
    (re.compile(r"\[:\]"), ":"),
    (re.compile(r"\s*[\[({]\s*dot\s*[\])}]\s*", re.IGNORECASE), "."),
    (re.compile(r"[\[({]\.[\])}]"), "."),
    (re.compile(r"\s*[\[({]\s*(?:at|@)\s*[\])}]\s*", re.IGNORECASE), "@"),
)


def refang(value: Any) -> str:
    """Undo defanging: ``hxxp``, ``[.]``, ``(.)``, ``[dot]``, ``[:]//``, ``[at]``."""
    text = _text(value, "refang")
    for pattern, repl in _REFANG:
        text = pattern.sub(repl, text)
    return text


# -- encodings and hashes -------------------------------------------------------------------


def _bytes(value: Any, what: str) -> bytes:
    if isinstance(value, bytes):
        check_size(len(value), f"input of {what}")
        return value
    return _text(value, what).encode("utf-8")


def b64encode(value: Any, urlsafe: bool = False) -> str:
    """Base64 of the UTF-8 bytes of a text (``urlsafe`` uses ``-`` and ``_``)."""
    data = _bytes(value, "b64encode")
    encoded = base64.urlsafe_b64encode(data) if urlsafe else base64.b64encode(data)
    return encoded.decode("ascii")


def b64decode(value: Any) -> str:
    """Decode base64 (standard or URL-safe, padding optional) into UTF-8 text."""
    text = re.sub(r"\s+", "", _text(value, "b64decode"))
    text = text.replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error as exc:
        raise FilterError(f"not valid base64: {exc}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FilterError("the decoded bytes are not UTF-8 text") from None


def _hasher(name: str) -> Callable[[Any], str]:
    def digest(value: Any) -> str:
        return hashlib.new(name, _bytes(value, name), usedforsecurity=False).hexdigest()

    digest.__name__ = digest.__qualname__ = name
    digest.__doc__ = f"Hex {name.upper()} digest of the UTF-8 bytes of a text."
    return digest


md5, sha1, sha256, sha512 = (_hasher(name) for name in ("md5", "sha1", "sha256", "sha512"))


def url_encode(value: Any) -> str:
    """Percent-encode a text (every reserved character), or a mapping as a query string."""
    if isinstance(value, Mapping):
        pairs = [
            (to_text(k), to_text(item))
            for k, v in value.items()
            for item in (v if isinstance(v, list | tuple) else [v])
        ]
        return urlencode(pairs)
    return quote(_text(value, "url_encode"), safe="")


# -- dates and times ------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_MILLISECONDS_FROM = 100_000_000_000  # later than year 5138 in seconds: must be milliseconds


def _from_epoch(seconds: float) -> datetime:
    if abs(seconds) >= _MILLISECONDS_FROM:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise FilterError(f"{seconds!r} is out of the range of dates") from None


def _parse_datetime(text: str, fmt: str | None) -> datetime:
    try:
        if fmt is not None:
            return datetime.strptime(text, fmt)
        if _NUMBER.fullmatch(text):
            return _from_epoch(float(text))
        return datetime.fromisoformat(text)
    except ValueError:
        expected = f"the format {fmt!r}" if fmt else "ISO 8601 or epoch seconds"
        raise FilterError(f"{text!r} is not a date and time ({expected})") from None


def to_datetime(value: Any, fmt: str | None = None) -> datetime:
    """Parse a date and time (ISO 8601, Wazuh's ``+0000`` form, epoch seconds) into UTC.

    Times without a zone are taken as UTC; ``fmt`` is a ``strptime`` format.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = _from_epoch(float(value))
    else:
        parsed = _parse_datetime(_text(value, "to_datetime", 1000).strip(), fmt)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def strftime(value: Any, fmt: str) -> str:
    """Format a date and time (anything ``to_datetime`` reads) with a ``strftime`` format."""
    return to_datetime(value).strftime(_text(fmt, "strftime format", 1000))


def isoformat(value: Any) -> str:
    """A date and time as ISO 8601 text in UTC: ``2020-04-17T00:04:41.016000+00:00``."""
    return to_datetime(value).isoformat()


def add_seconds(value: Any, seconds: float) -> datetime:
    """A date and time moved by ``seconds`` (negative to go back)."""
    try:
        return to_datetime(value) + timedelta(seconds=float(seconds))
    except OverflowError:
        raise FilterError("the result is out of the range of dates") from None


def now() -> datetime:
    """The current date and time in UTC."""
    return datetime.now(UTC)


# -- lists and lookups ----------------------------------------------------------------------


def split(value: Any, sep: str | None = None, maxsplit: int = -1) -> list[str]:
    """Split a text on ``sep`` (runs of whitespace by default)."""
    try:
        return _text(value, "split").split(sep, int(maxsplit))
    except ValueError as exc:
        raise FilterError(f"split: {exc}") from None


def _unique_key(item: Any) -> Any:
    if item is None or isinstance(item, str | int | float | bool):
        return (type(item).__name__, item)
    return json.dumps(to_data(item), sort_keys=True)


def unique(value: Any) -> list[Any]:
    """The items of a list without repeats, in first-seen order (works for mappings too)."""
    seen: set[Any] = set()
    result = []
    for item in _items(value, "unique"):
        key = _unique_key(item)
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result


def _items(value: Any, what: str) -> list[Any]:
    fail_if_undefined(value)
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise FilterError(f"{what} expects a list, got {kind(value)}")
    return list(value)


def flatten(value: Any, levels: int | None = None) -> list[Any]:
    """Flatten nested lists into one list; ``levels`` limits how deep to go."""
    result: list[Any] = []
    _flatten_into(result, _items(value, "flatten"), levels, 0)
    return result


def _flatten_into(out: list[Any], items: Iterable[Any], levels: int | None, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise FilterError(f"value is nested deeper than {MAX_DEPTH} levels")
    for item in items:
        if isinstance(item, list | tuple) and (levels is None or depth < levels):
            _flatten_into(out, item, levels, depth + 1)
        else:
            out.append(item)
        check_size(len(out), "flattened list", MAX_PARTS * 10)


def get(value: Any, path: Any, default: Any = None) -> Any:
    """Follow a dotted path (``"data.srcip"``, ``"tags.0"``) through mappings and lists.

    Returns ``default`` as soon as a part is missing instead of failing.
    """
    parts = _text(path, "get path").split(".") if isinstance(path, str) else list(path)
    current = value
    for part in parts if path != "" else []:
        current = _step(current, part)
        if current is _MISSING:
            return default
    return current


_MISSING = object()


def _step(current: Any, part: Any) -> Any:
    if isinstance(current, Mapping):
        return current.get(part, _MISSING)
    if isinstance(current, list | tuple):
        index = int(part) if isinstance(part, int) or str(part).lstrip("-").isdigit() else None
        if index is not None and -len(current) <= index < len(current):
            return current[index]
    return _MISSING


# -- bounded replacements of Jinja's built-in filters ---------------------------------------


def center(value: Any, width: int = 80) -> str:
    """Jinja's ``center``, with the width bounded."""
    check_size(int(width), "center() width")
    return to_text(value).center(int(width))


def indent(value: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    """Jinja's ``indent``, with the result bounded."""
    text = to_text(value)
    prefix = len(width) if isinstance(width, str) else int(width)
    check_size(len(text) + (text.count("\n") + 1) * prefix, "indented text")
    return do_indent(text, width, first, blank)


def replace(value: Any, old: Any, new: Any, count: int | None = None) -> str:
    """Jinja's ``replace``, with the result bounded."""
    text, old_text, new_text = to_text(value), to_text(old), to_text(new)
    limit = -1 if count is None else int(count)
    check_size(replaced_size(text, old_text, new_text, limit), "replaced text")
    return text.replace(old_text, new_text, limit)


@pass_eval_context
def join(eval_ctx: EvalContext, value: Any, d: str = "", attribute: Any = None) -> str:
    """Jinja's ``join``, with the separator's share of the result bounded."""
    items = list(value)
    check_size(len(str(d)) * len(items), "joined text")
    return sync_do_join(eval_ctx, items, d, attribute)


def batch(value: Any, linecount: int, fill_with: Any = None) -> list[list[Any]]:
    """Jinja's ``batch`` as a list, with the batch size bounded."""
    check_size(int(linecount), "batch size", MAX_PARTS)
    return list(do_batch(value, int(linecount), fill_with))


def slice_filter(value: Any, slices: int, fill_with: Any = None) -> list[list[Any]]:
    """Jinja's ``slice`` as a list, with the number of slices bounded."""
    check_size(int(slices), "number of slices", MAX_PARTS)
    return list(sync_do_slice(value, int(slices), fill_with))


def format_filter(value: Any, *args: Any, **kwargs: Any) -> str:
    """Jinja's ``format`` (printf style), with widths and result bounded."""
    if args and kwargs:
        raise FilterError("format takes positional or keyword arguments, not both")
    text, values = to_text(value), kwargs or args
    check_printf(text, values)
    return text % values


FILTERS: dict[str, Callable[..., Any]] = {
    func.__name__.removesuffix("_filter"): func
    for func in (
        json_filter, from_json, regex_search, regex_findall, regex_replace, ip_in_cidr,
        is_private_ip, defang, refang, b64encode, b64decode, md5, sha1, sha256, sha512,
        to_datetime, strftime, isoformat, add_seconds, url_encode, split, unique, flatten, get,
        center, indent, replace, join, batch, slice_filter, format_filter,
    )
}  # fmt: skip

GLOBALS: dict[str, Callable[..., Any]] = {
    func.__name__: func for func in (now, get, from_json, to_datetime, ip_in_cidr, is_private_ip)
}

# Jinja globals that can build unbounded text or keep state across loop iterations.
REMOVED_GLOBALS = ("lipsum", "namespace", "dict")

__all__ = [
    "FILTERS",
    "GLOBALS",
    "MAX_LOOP_ITERATIONS",
    "MAX_REGEX_SUBJECT",
    "MAX_STRING",
    "MAX_WEIGHT",
    "FilterError",
    "RenderBudget",
    "to_data",
    "to_text",
]
