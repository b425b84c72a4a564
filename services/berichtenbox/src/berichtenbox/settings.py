from __future__ import annotations

from mijnoverheid.settings import PlatformSettings


class BerichtenboxSettings(PlatformSettings):
    pass
