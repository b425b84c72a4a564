"""DigiD's assurance levels as OIDC `acr` values: the SAML 2.0 authentication context classes
that DigiD itself uses (Logius, DigiD koppelvlakspecificatie), lowest first. The
minimum a login needs is the portal's configuration (OIDC_MIN_ACR, default midden).

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

    @classmethod
    def _missing_(cls, value: object) -> Level | None:
        # OIDC_MIN_ACR=substantieel reads as well as the full URN.
        return next((level for level in cls if level.name.lower() == value), None)

    @property
    def label(self) -> str:
        return self.name.lower()

    def at_least(self, minimum: Level) -> bool:
        order = list(Level)
        return order.index(self) >= order.index(minimum)


def level_of(acr: object) -> Level | None:
    return next((level for level in Level if level.value == acr), None)
