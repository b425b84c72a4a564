"""What a chaos run publishes and what it must lead to: citizens, the events in the order they
are published, and the expectations the auditor holds the platform to. All of it follows from
the seed, so a run can be repeated exactly."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from mijnoverheid.contracts import events as catalogue
from mijnoverheid.contracts.routing import EventRoute
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid_testing.chaos import events as build

# At least three organisations, each registered for the three services; the WOZ register of
# the municipality is the one with e-mail about changes.
PUBLISHERS = ("belastingdienst", "gemeente-voorbeeldstad", "uwv")
SHARE_MESSAGES, SHARE_CASES = 0.60, 0.25  # the rest: registration versions
INVALID_SHARE = 0.05
DUPLICATE_SHARE = 0.05
POISON = b"\x00 not a CloudEvent \xff"

CaseKey = tuple[str, str, str]  # (OIN, identificatie, BSN)
StatusKey = tuple[datetime, str, bool]  # (datum_status_gezet, statustype_code, is_eindstatus)
RegistrationKey = tuple[str, str, str, str]  # (OIN, register, key, BSN)


@dataclass(frozen=True)
class Citizen:
    bsn: str
    email: str | None  # verified before the run
    account: bool
    consents: frozenset[str]  # OINs the citizen accepts digital post from
    refused: bool = False  # the relay answers 5xx for this address
    bouncing: bool = False  # the relay accepts, then reports a hard bounce

    def reachable_by(self, oin: str) -> bool:
        return self.account and oin in self.consents


@dataclass(frozen=True)
class Planned:
    user: str  # the publishing organisation's broker user
    route: EventRoute | None  # None: a poison body on the message-sent key
    event_id: str
    body: bytes
    duplicate: bool = False


@dataclass
class Expectations:
    # message-sent id -> (BSN, sender OIN, rejection reason or None for a delivery)
    messages: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)
    rejections: dict[str, str] = field(default_factory=dict)  # zaken/gegevens id -> reason
    accepted: set[str] = field(default_factory=set)  # zaken/gegevens ids answered by nothing
    cases: dict[CaseKey, dict[str, StatusKey]] = field(default_factory=lambda: defaultdict(dict))
    registrations: dict[RegistrationKey, dict[str, datetime]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    poison: set[str] = field(default_factory=set)


@dataclass
class Workload:
    citizens: list[Citizen]
    plan: list[Planned]
    expected: Expectations

    @property
    def distinct(self) -> int:
        return sum(1 for item in self.plan if not item.duplicate)


# The first citizens play the rarer parts, so that even a short run has each of them: an
# address the relay refuses, one that bounces, no account, no consent for one organisation.
ROLES = ((0.10, 0.00), (0.10, 0.04), (0.00, 0.50), (0.04, 0.50))


def _citizens(rng: random.Random, count: int, oins: list[str], tag: str) -> list[Citizen]:
    citizens = []
    for index in range(count):
        draw, trouble = ROLES[index] if index < len(ROLES) else (rng.random(), rng.random())
        account = draw >= 0.03
        consents = set(oins) if draw >= 0.06 else set(oins) - {rng.choice(oins)}
        verified = index < 2 or rng.random() < 0.75
        citizens.append(
            Citizen(
                bsn=build.random_bsn(rng),
                email=f"burger-{tag}-{index}@chaos.example" if verified else None,
                account=account,
                consents=frozenset(consents),
                refused=verified and trouble < 0.03,
                bouncing=verified and 0.03 <= trouble < 0.06,
            )
        )
    return citizens


def _item(user: str, route: EventRoute, event: dict[str, object]) -> Planned:
    return Planned(user, route, str(event["id"]), json.dumps(event).encode())


def publishers(registry: OrganisationRegistry) -> dict[str, Organisation]:
    orgs: dict[str, Organisation] = {}
    for user in PUBLISHERS:
        found = registry.by_broker_user(user)
        assert found is not None, f"{user} is not in the registry"
        orgs[user] = found
    return orgs


def generate(registry: OrganisationRegistry, n: int, seed: int) -> Workload:
    rng = random.Random(seed)
    orgs = publishers(registry)
    oins = [org.oin for org in orgs.values()]
    citizens = _citizens(rng, max(12, n // 25), oins, f"{seed:x}")
    expected = Expectations()
    items: list[Planned] = []
    messages, cases = int(n * SHARE_MESSAGES), int(n * SHARE_CASES)
    while len(items) < messages:
        user = rng.choice(PUBLISHERS)
        org, citizen = orgs[user], rng.choice(citizens)
        invalid = rng.choice(build.INVALID_MESSAGES) if rng.random() < INVALID_SHARE else None
        event = build.message_sent(rng, org, citizen.bsn, invalid)
        # The contract is checked first, the citizen's account and consent next, the expiry
        # (a rule of the Berichtenbox's own) last.
        reason = invalid if invalid != "expiry-out-of-bounds" else None
        if reason is None and not citizen.account:
            reason = "account-not-activated"
        elif reason is None and not citizen.reachable_by(org.oin):
            reason = "no-digital-consent"
        reason = reason or invalid
        expected.messages[str(event["id"])] = (citizen.bsn, org.oin, reason)
        items.append(_item(user, catalogue.MESSAGE_SENT, event))
    while len(items) < messages + cases:
        user = rng.choice(PUBLISHERS)
        org, citizen = orgs[user], rng.choice(citizens)
        if rng.random() < INVALID_SHARE:
            event = build.invalid_case_status(rng, org, citizen.bsn)
            expected.rejections[str(event["id"])] = "url-not-allowed"
            items.append(_item(user, catalogue.CASE_STATUS_CHANGED, event))
            continue
        statuses = build.case_statuses(rng, org, citizen.bsn, rng.randrange(3, 6))
        key = (org.oin, str(statuses[0][0]["data"]["identificatie"]), citizen.bsn)
        for event, status in statuses:
            copies = [event, build.resent(rng, event)] if rng.random() < 0.15 else [event]
            for copy in copies:
                expected.cases[key][str(copy["id"])] = status
                expected.accepted.add(str(copy["id"]))
                items.append(_item(user, catalogue.CASE_STATUS_CHANGED, copy))
    while len(items) < n:
        user = rng.choice(PUBLISHERS)
        org, citizen = orgs[user], rng.choice(citizens)
        registers = sorted(org.registers)  # a frozenset's order varies per process
        if rng.random() < INVALID_SHARE:
            other = next(r for u, o in orgs.items() if u != user for r in sorted(o.registers))
            event = build.registration_versions(rng, org, citizen.bsn, other, 1)[0][0]
            expected.rejections[str(event["id"])] = "register-not-allowed"
            items.append(_item(user, catalogue.REGISTRATION_CHANGED, event))
            continue
        register = "WOZ" if "WOZ" in registers and rng.random() < 0.7 else rng.choice(registers)
        versions = build.registration_versions(rng, org, citizen.bsn, register, rng.randrange(2, 5))
        data = versions[0][0]["data"]
        registration = (org.oin, register, str(data["registration_key"]), citizen.bsn)
        for event, valid_from in versions:
            expected.registrations[registration][str(event["id"])] = valid_from
            expected.accepted.add(str(event["id"]))
            items.append(_item(user, catalogue.REGISTRATION_CHANGED, event))
    rng.shuffle(items)  # statuses and versions of one case or registration out of order
    for _ in range(max(1, n // 2000)):
        poison = Planned(rng.choice(PUBLISHERS), None, build.new_id(rng), POISON)
        expected.poison.add(poison.event_id)
        items.insert(rng.randrange(len(items) + 1), poison)
    for _ in range(int(n * DUPLICATE_SHARE)):  # the same event again, later
        position = rng.randrange(len(items))
        original = items[position]
        again = Planned(original.user, original.route, original.event_id, original.body, True)
        items.insert(rng.randrange(position, len(items)) + 1, again)
    return Workload(citizens, items, expected)
