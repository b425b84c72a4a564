"""DigiD's assurance levels as OIDC `acr` values: the SAML 2.0 authentication context classes
that DigiD itself uses (Logius, DigiD koppelvlakspecificatie), lowest first.

| DigiD level   | acr                                                              |
|---------------|------------------------------------------------------------------|
| basis         | urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport |
| midden        | urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract    |
| substantieel  | urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard                  |
| hoog          | urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI               |
"""

from __future__ import annotations

from enum import Enum

_PREFIX = "urn:oasis:names:tc:SAML:2.0:ac:classes:"


class Level(Enum):
    BASIS = _PREFIX + "PasswordProtectedTransport"
    MIDDEN = _PREFIX + "MobileTwoFactorContract"
    SUBSTANTIEEL = _PREFIX + "Smartcard"
    HOOG = _PREFIX + "SmartcardPKI"

    @property
    def label(self) -> str:
        return self.name.lower()


LEVELS = tuple(Level)


def level_of(acr: str) -> Level | None:
    return next((level for level in LEVELS if level.value == acr), None)
