"""Tables of the assets slice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from threatflow.db.base import Base, JSONType, UTCDateTime
from threatflow.ids import new_id, utcnow


class AssetRow(Base):
    """One host or network segment; ``ip`` holds an address or a CIDR network."""

    __tablename__ = "assets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    hostname: Mapped[str | None] = mapped_column(String(255), index=True, nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    criticality: Mapped[str] = mapped_column(String(16), default="medium")
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
