"""Date and time helpers for ``tools.datetime``: parse many shapes, shift, format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from threatflow.apps.builtin.tools._values import invalid, number

__all__ = ["describe", "parse_moment", "zone"]

# epoch numbers above this are taken as milliseconds (1e11 s is the year 5138)
_MILLISECONDS_FROM = 1e11


def zone(name: str) -> tzinfo:
    """The time zone called ``name`` (IANA, e.g. ``Europe/Paris``; ``UTC`` by default)."""
    if name.upper() in ("", "UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid("timezone", f"unknown time zone {name!r}") from None


def parse_moment(value: Any, parse_format: str, tz: tzinfo) -> datetime:
    """A moment from epoch seconds/ms, ISO 8601, RFC 2822 or ``parse_format`` (strptime).

    A moment without an offset is read in ``tz``.
    """
    seconds = number(value)
    if seconds is not None:
        if abs(seconds) >= _MILLISECONDS_FROM:
            seconds /= 1000
        return datetime.fromtimestamp(seconds, UTC).astimezone(tz)
    if not isinstance(value, str) or not value.strip():
        raise invalid("value", "expected a date, a time stamp or epoch seconds")
    moment = _parse_text(value.strip(), parse_format)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _parse_text(text: str, parse_format: str) -> datetime:
    if parse_format:
        try:
            return datetime.strptime(text, parse_format)
        except ValueError as exc:
            raise invalid("value", str(exc)) from None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError):
        raise invalid("value", f"{text!r} is not an ISO 8601 or RFC 2822 date") from None


def shift(moment: datetime, days: float, hours: float, minutes: float, seconds: float) -> datetime:
    """``moment`` moved by the given amounts (negative values go back in time)."""
    try:
        return moment + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:
        raise invalid("days", "the result is out of the supported date range") from None


def describe(moment: datetime, output_format: str, tz: tzinfo) -> dict[str, Any]:
    """The result shape of every ``datetime`` operation."""
    local = moment.astimezone(tz)
    result: dict[str, Any] = {
        "iso": local.isoformat(),
        "epoch": local.timestamp(),
        "epoch_ms": int(local.timestamp() * 1000),
        "timezone": str(tz),
    }
    if output_format:
        result["formatted"] = local.strftime(output_format)
    return result
