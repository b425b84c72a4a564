"""The mock's test persons (config/digid-test-persons.yaml): BSN, a name to show, date of birth."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from mijnoverheid.identity import Bsn
from mijnoverheid.settings import load_yaml


class TestPerson(BaseModel):
    __test__ = False  # a domain word, not a pytest class

    model_config = ConfigDict(frozen=True, extra="forbid")

    bsn: Bsn
    name: str = Field(min_length=1, max_length=100)
    birthdate: date


class TestPersons(BaseModel):
    __test__ = False

    model_config = ConfigDict(frozen=True, extra="forbid")

    persons: tuple[TestPerson, ...]

    def by_bsn(self, bsn: str) -> TestPerson | None:
        return next((person for person in self.persons if person.bsn == bsn), None)

    @classmethod
    def load(cls, path: Path) -> TestPersons:
        loaded = load_yaml(cls, path)
        bsns = [person.bsn for person in loaded.persons]
        if len(set(bsns)) != len(bsns):
            raise ValueError(f"{path}: a BSN occurs twice")
        return loaded
