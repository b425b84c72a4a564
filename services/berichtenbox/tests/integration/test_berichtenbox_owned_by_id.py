"""A citizen's read of one message (the message, its attachments, its trail, its receipt) looks
the message up by `_id` alone, the one filter the embedded store serves from an index; the
owner is checked on what it found. The chaos run found the old `{_id, recipient_bsn}` filter
scanning every message on each read (200 s to audit 1,600 trails)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from berichtenbox.adapters.messages import MessageRepository
from berichtenbox.domain.message import ReceiveMessage, RetentionPolicy, Submission, receive
from mijnoverheid.kernel import Origin
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.observed_store import observed_database
from mijnoverheid_testing.stack import Stack
from tests.test_store_index import access_paths, index_served

pytestmark = pytest.mark.integration


def _message(bsn: str) -> ReceiveMessage:
    now = datetime.now(UTC)
    origin = Origin("00000001003214345000", "Belastingdienst", "urn:x", str(uuid.uuid4()), now)
    submission = Submission(bsn, "Onderwerp", "Tekst", "KENMERK-1", legal_effect=False)
    return ReceiveMessage(origin, submission)


async def test_a_citizen_read_is_an_index_served_lookup_by_id(stack: Stack) -> None:
    async with observed_database(stack.mongodb_url, "bb-owned") as (database, finds):
        repository = MessageRepository(database)
        owner, other = random_bsn(), random_bsn()
        new = receive(_message(owner), now=datetime.now(UTC), retention=RetentionPolicy())
        await repository.add(new)
        message_id = new.message.message_id

        finds.take()
        found = await repository.owned(owner, message_id)
        assert found is not None
        assert found.message_id == message_id
        assert await repository.owned(other, message_id) is None  # not theirs: as unknown
        assert await repository.owned(owner, "no-such-message") is None
        filters = finds.take().filters("find")
        assert filters == [{"_id": message_id}] * 2 + [{"_id": "no-such-message"}]

        find = {"find": "messages", "filter": filters[0]}
        explain = await database.command({"explain": find, "verbosity": "queryPlanner"})
        assert index_served(access_paths(explain)), access_paths(explain)
