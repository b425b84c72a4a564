"""What the citizen API shows: response models, and the overview grouped by organisation and
register. Names come from the organisation registry, so a renamed register shows its new name."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from itertools import groupby
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gegevens.domain.model import Version
from gegevens.ports import Listed
from mijnoverheid.api import Page, PageLinks
from mijnoverheid.contracts.gegevens import Fact, WhereToChange
from mijnoverheid.identity import OrganisationRegistry

Link = Callable[[str], str]


class SelfLink(BaseModel):
    self: str


class OrganisationRef(BaseModel):
    oin: str
    name: str


class RegisterRef(BaseModel):
    code: str
    name: str


class RegistrationSummary(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    registration_id: str
    registration_key: str = Field(description="the organisation's own key")
    valid_from: datetime
    last_updated: datetime = Field(description="when MijnOverheid recorded the version shown")
    where_to_change: WhereToChange
    links: SelfLink = Field(alias="_links")


class RegisterGroup(RegisterRef):
    last_updated: datetime
    registrations: list[RegistrationSummary]


class OrganisationGroup(OrganisationRef):
    last_updated: datetime
    registers: list[RegisterGroup]


class Overview(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    organisations: list[OrganisationGroup]
    page: int
    page_size: int
    total: int = Field(description="registrations over all pages")
    links: PageLinks = Field(alias="_links")


class RegistrationDetail(RegistrationSummary):
    organisation: OrganisationRef
    register_ref: RegisterRef = Field(alias="register")
    facts: list[Fact] = Field(description="in the organisation's order")


def _organisation(registry: OrganisationRegistry, oin: str) -> OrganisationRef:
    found = registry.by_oin(oin)
    return OrganisationRef(oin=oin, name=found.name if found else oin)


def _register(registry: OrganisationRegistry, code: str) -> RegisterRef:
    found = registry.register(code)
    return RegisterRef(code=code, name=found.name if found else code)


def summary(version: Version, link: Link) -> RegistrationSummary:
    assert version.where_to_change is not None  # every visible version is a change
    return RegistrationSummary(
        registration_id=version.registration_id,
        registration_key=version.registration_key,
        valid_from=version.valid_from,
        last_updated=version.recorded_at,
        where_to_change=WhereToChange(
            description=version.where_to_change.description, url=version.where_to_change.url
        ),
        links=SelfLink(self=link(version.registration_id)),
    )


def detail(version: Version, registry: OrganisationRegistry, link: Link) -> RegistrationDetail:
    return RegistrationDetail(
        **summary(version, link).model_dump(),
        organisation=_organisation(registry, version.organisation_oin),
        register_ref=_register(registry, version.register_code),
        facts=[
            Fact.model_validate({"label": f.label, "value": dict(f.value)}) for f in version.facts
        ],
    )


def in_overview_order(listed: list[Listed], registry: OrganisationRegistry) -> list[Listed]:
    """The overview's order: organisation by name, register by name, then the key."""

    def key(each: Listed) -> tuple[str, str, str, str, str, str]:
        organisation = _organisation(registry, each.organisation_oin)
        register = _register(registry, each.register_code)
        return (
            organisation.name,
            each.organisation_oin,
            register.name,
            each.register_code,
            each.registration_key,
            each.registration_id,
        )

    return sorted(listed, key=key)


def overview(
    versions: list[Version], registry: OrganisationRegistry, link: Link, paging: Page[Any]
) -> Overview:
    organisations: list[OrganisationGroup] = []
    by_organisation = sorted(versions, key=lambda v: v.organisation_oin)
    for oin, own in groupby(by_organisation, lambda v: v.organisation_oin):
        registers: list[RegisterGroup] = []
        by_register = sorted(own, key=lambda v: (v.register_code, v.registration_key))
        for code, group in groupby(by_register, lambda v: v.register_code):
            shown = list(group)
            registers.append(
                RegisterGroup(
                    **_register(registry, code).model_dump(),
                    last_updated=max(v.recorded_at for v in shown),
                    registrations=[summary(v, link) for v in shown],
                )
            )
        organisations.append(
            OrganisationGroup(
                **_organisation(registry, oin).model_dump(),
                last_updated=max(group.last_updated for group in registers),
                registers=sorted(registers, key=lambda group: (group.name, group.code)),
            )
        )
    return Overview(
        organisations=sorted(organisations, key=lambda org: (org.name, org.oin)),
        page=paging.page,
        page_size=paging.page_size,
        total=paging.total,
        links=paging.links,
    )
