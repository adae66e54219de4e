"""Tables of the credentials slice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from threatflow.db.base import Base, UTCDateTime
from threatflow.ids import utcnow


class CredentialRow(Base):
    """A credential; ``data`` is the Fernet token of its JSON fields."""

    __tablename__ = "credentials"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    app: Mapped[str] = mapped_column(String(100))
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
