"""Media types: which ones carry JSON, which carry text, and which carry bytes."""

from __future__ import annotations

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
OCTET_STREAM = "application/octet-stream"

# Textual types outside text/* that APIs commonly answer with; a step is better served by
# their text than by base64 of it.
_TEXT_TYPES = frozenset(
    {
        "application/xml",
        FORM,
        "application/javascript",
        "application/ecmascript",
        "application/yaml",
        "application/x-yaml",
        "application/x-ndjson",
    }
)


def base_type(media_type: str) -> str:
    """``Text/HTML; charset=utf-8`` → ``text/html``."""
    return media_type.split(";", 1)[0].strip().lower()


def is_json(media_type: str) -> bool:
    """``application/json``, ``application/problem+json``, ``text/json``..."""
    base = base_type(media_type)
    return base in ("application/json", "text/json") or base.endswith("+json")


def is_text(media_type: str) -> bool:
    """``text/*``, XML (``application/xml``, ``+xml``), URL-encoded forms, YAML, JavaScript."""
    base = base_type(media_type)
    return base.startswith("text/") or base.endswith("+xml") or base in _TEXT_TYPES


def is_binary(media_type: str) -> bool:
    """Bytes rather than JSON, text or a form (``application/octet-stream``, ``image/png``)."""
    base = base_type(media_type)
    return bool(base) and not (is_json(base) or is_text(base) or base == MULTIPART)
