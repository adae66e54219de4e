"""Accounts and bearer tokens. Passwords are hashed with Argon2; tokens are stored as SHA-256."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from threatflow.db.engine import Database
from threatflow.errors import AuthError
from threatflow.ids import new_token, utcnow
from threatflow.users.models import ApiToken, User

log = logging.getLogger(__name__)

SESSION_TTL = timedelta(days=7)
ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Principal:
    id: str
    username: str
    is_admin: bool

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "username": self.username, "is_admin": self.is_admin}


@dataclass(frozen=True, slots=True)
class FirstStart:
    """What the first start created; the password is shown once when it was generated."""

    password: str | None
    token: str | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UserService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._hasher = PasswordHasher()
        self._tokens: dict[str, Principal] = {}

    def ensure_admin(self, password: str = "", token: str = "") -> FirstStart | None:
        """Create the admin account on first start; apply the configured password/token.

        Returns what was created on first start (the generated password, if any), else None.
        """
        with self.db.session() as session:
            admin = session.scalar(select(User).where(User.username == ADMIN))
            first = admin is None
            generated = new_token(12) if first and not password else None
            if admin is None:
                admin = User(username=ADMIN, is_admin=True,
                             password_hash=self._hasher.hash(password or generated or ""))
                session.add(admin)
                session.flush()
            elif password and not self._matches(admin.password_hash, password):
                admin.password_hash = self._hasher.hash(password)
            if token:
                self._install_token(session, admin.id, token)
        return FirstStart(generated, token or None) if first else None

    def _install_token(self, session: Session, user_id: str, token: str) -> None:
        digest = _digest(token)
        if session.scalar(select(ApiToken).where(ApiToken.token_hash == digest)) is None:
            session.add(ApiToken(user_id=user_id, token_hash=digest, name="configured"))

    def _matches(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except VerificationError:
            return False

    def login(self, username: str, password: str) -> tuple[str, Principal]:
        with self.db.session() as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None or not self._matches(user.password_hash, password):
                raise AuthError("wrong username or password")
            token = new_token(32)
            session.add(ApiToken(user_id=user.id, token_hash=_digest(token),
                                 expires_at=utcnow() + SESSION_TTL))
            return token, Principal(user.id, user.username, user.is_admin)

    def logout(self, token: str) -> None:
        self._tokens.pop(token, None)
        with self.db.session() as session:
            session.execute(delete(ApiToken).where(ApiToken.token_hash == _digest(token)))

    def authenticate(self, token: str) -> Principal:
        """The principal of a bearer token; cached after the first database look-up."""
        found = self._tokens.get(token)
        if found is not None:
            return found
        now = utcnow()
        with self.db.session() as session:
            row = session.execute(
                select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                .where(ApiToken.token_hash == _digest(token))
            ).first()
            if row is None or (row[0].expires_at is not None and row[0].expires_at < now):
                raise AuthError("invalid or expired token")
            user = row[1]
            principal = Principal(user.id, user.username, user.is_admin)
        if row[0].expires_at is None:
            self._tokens[token] = principal
        return principal

    def create_token(self, user_id: str, name: str) -> str:
        token = new_token(32)
        with self.db.session() as session:
            session.add(ApiToken(user_id=user_id, token_hash=_digest(token), name=name))
        return token
