from __future__ import annotations

from mijnoverheid.settings import PlatformSettings


class ZakenSettings(PlatformSettings):
    pass
