"""Server-side sessions in the portal's own collection. The cookie holds only a random id; the
database keeps its SHA-256, so a copy of the collection gives no live session ids.

A session starts anonymous (it carries the login attempt: state, nonce, PKCE verifier), gets a
NEW id when the citizen has logged in (no session fixation), dies after 15 minutes without a
request (idle) or after its absolute limit, and at logout. FerretDB has no TTL indexes, so
expiry is checked at every read and expired sessions are swept by a background job.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo.asynchronous.collection import AsyncCollection

from mijnoverheid.storage import Document


@dataclass(frozen=True)
class LoginAttempt:
    state: str
    nonce: str
    verifier: str
    next_path: str


@dataclass(frozen=True)
class Citizen:
    bsn: str
    name: str
    acr: str


@dataclass(frozen=True)
class Session:
    key: str  # sha256 of the cookie value
    csrf: str
    created_at: datetime
    last_seen: datetime
    login: LoginAttempt | None = None
    citizen: Citizen | None = None


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_raw_id() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta

    def alive(self, session: Session, now: datetime) -> bool:
        return now - session.last_seen < self.idle and now - session.created_at < self.absolute


class SessionStore:
    def __init__(self, collection: AsyncCollection[Document], policy: SessionPolicy) -> None:
        self._sessions = collection
        self.policy = policy

    async def create(
        self, now: datetime, login: LoginAttempt | None = None, citizen: Citizen | None = None
    ) -> tuple[str, Session]:
        raw = new_raw_id()
        session = Session(digest(raw), secrets.token_urlsafe(32), now, now, login, citizen)
        await self._sessions.insert_one(_document(session))
        return raw, session

    async def find(self, raw: str | None, now: datetime) -> Session | None:
        if not raw or len(raw) > 100:
            return None
        document = await self._sessions.find_one({"_id": digest(raw)})
        if document is None:
            return None
        session = _session(document)
        if not self.policy.alive(session, now):
            await self._sessions.delete_one({"_id": session.key})
            return None
        return session

    async def touch(self, session: Session, now: datetime) -> None:
        await self._sessions.update_one({"_id": session.key}, {"$set": {"last_seen": now}})

    async def end(self, session: Session) -> None:
        await self._sessions.delete_one({"_id": session.key})

    async def sweep(self, now: datetime) -> int:
        result = await self._sessions.delete_many(
            {
                "$or": [
                    {"last_seen": {"$lte": now - self.policy.idle}},
                    {"created_at": {"$lte": now - self.policy.absolute}},
                ]
            }
        )
        return result.deleted_count

    async def ensure_indexes(self) -> None:
        await self._sessions.create_index("last_seen")


def _document(session: Session) -> Document:
    document: Document = {
        "_id": session.key,
        "csrf": session.csrf,
        "created_at": session.created_at,
        "last_seen": session.last_seen,
    }
    if session.login is not None:
        document["login"] = vars(session.login).copy()
    if session.citizen is not None:
        document["citizen"] = vars(session.citizen).copy()
    return document


def _session(document: Document) -> Session:
    login = document.get("login")
    citizen = document.get("citizen")
    return Session(
        key=document["_id"],
        csrf=document["csrf"],
        created_at=document["created_at"],
        last_seen=document["last_seen"],
        login=LoginAttempt(**login) if login else None,
        citizen=Citizen(**citizen) if citizen else None,
    )


def csrf_matches(session: Session, submitted: str | None) -> bool:
    return bool(submitted) and secrets.compare_digest(session.csrf, submitted or "")
