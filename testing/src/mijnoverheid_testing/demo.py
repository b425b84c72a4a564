"""`make demo`, as a function: against `make run` (scripts/demo.py) and against a test platform
(the portal's demo test), so that the demo a newcomer runs is the one the tests prove.

1. Each demo citizen goes through the portal as a person would (portal_citizen.py): logs in at
   the DigiD mock (which activates the account), switches on digital post from the demo
   organisations on the settings page, sets an e-mail address and confirms it with the link
   from the mail, and logs out. Nothing is published on the portal's behalf.
2. Each organisation asks the Berichtenbox over the broker whether it may send digitally to
   the citizens, until the answer is yes (bounded): the portal's announcements have arrived.
3. The organisations publish the plan (demo_plan.py), and wait until each publication is
   answered.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid_testing.demo_plan import DE_VRIES, JANSEN, Publication, plan
from mijnoverheid_testing.organisation import Event, OrganisationClient
from mijnoverheid_testing.portal_citizen import PortalCitizen
from mijnoverheid_testing.stack import Stack
from mijnoverheid_testing.waiting import wait_until

ORGANISATIONS = ("belastingdienst", "gemeente-voorbeeldstad")
CONFIRM_LINK = re.compile(r"https?://\S+/contactgegevens/bevestigen\?code=[A-Za-z0-9-]+")


@dataclass(frozen=True)
class DemoCitizen:
    bsn: str
    name: str
    email: str


CITIZENS = (
    DemoCitizen(JANSEN, "J. Jansen", "j.jansen@example.nl"),
    DemoCitizen(DE_VRIES, "F. de Vries", "f.de.vries@example.nl"),
)
# The link in the newest mail to an address sent since a moment (epoch seconds), if any.
MailLink = Callable[[str, float], str | None]


@dataclass(frozen=True)
class DemoTarget:
    portal_url: str
    stack: Stack
    vhost: str
    registry: OrganisationRegistry
    mail_link: MailLink
    say: Callable[[str], None] = field(default=print)


async def activate(target: DemoTarget, citizen: DemoCitizen) -> None:
    """Account, digital consent and a confirmed e-mail address: through the portal's pages."""
    async with PortalCitizen(target.portal_url) as person:
        await person.log_in(citizen.bsn)
        for broker_user in ORGANISATIONS:
            organisation = target.registry.by_broker_user(broker_user)
            assert organisation is not None, broker_user
            if await person.consent(organisation.oin):
                target.say(f"{citizen.name}: digital post from {organisation.name} switched on.")
        if await person.email() != citizen.email:
            since = time.time()
            await person.set_email(citizen.email)
            link = await wait_until(
                lambda: target.mail_link(citizen.email, since),
                timeout=30,
                what=f"the verification mail to {citizen.email}",
            )
            await person.confirm_email(link)
            target.say(f"{citizen.name}: {citizen.email} confirmed with the link mailed to it.")
        await person.log_out()
    target.say(f"{citizen.name} logged in at the DigiD mock; the account is active.")


async def run(target: DemoTarget) -> dict[str, list[Event]]:
    """The whole demo; what each organisation received in answer."""
    for citizen in CITIZENS:
        await activate(target, citizen)
    bsns = [citizen.bsn for citizen in CITIZENS]
    async with contextlib.AsyncExitStack() as stack:
        clients: dict[str, OrganisationClient] = {}
        for broker_user in ORGANISATIONS:
            organisation = target.registry.by_broker_user(broker_user)
            assert organisation is not None, broker_user
            client = OrganisationClient(target.stack, target.vhost, organisation)
            clients[broker_user] = await stack.enter_async_context(client)
        for client in clients.values():
            await wait_until(
                lambda client=client: client.all_digital(bsns),
                timeout=60,
                what=f"the Berichtenbox to let {client.organisation.name} send digitally",
            )
        target.say("The Berichtenbox knows the accounts and the consent; publishing.")
        publications = plan(target.registry)
        for publication in publications:
            await clients[publication.broker_user].publish(
                publication.event, routing_key=publication.route.key(_oin(target, publication))
            )
        target.say(f"Published {len(publications)} events; waiting for every answer.")
        await wait_until(
            lambda: all(p.handled(clients[p.broker_user]) for p in publications),
            timeout=90,
            what="the answers to every published event",
        )
        return {name: list(client.received) for name, client in clients.items()}


def _oin(target: DemoTarget, publication: Publication) -> str:
    organisation = target.registry.by_broker_user(publication.broker_user)
    assert organisation is not None
    return organisation.oin


def link_in(texts: list[str]) -> str | None:
    """The confirmation link in the newest of these mail texts that has one."""
    for text in reversed(texts):
        found = CONFIRM_LINK.search(text)
        if found:
            return found.group(0)
    return None
