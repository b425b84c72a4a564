from __future__ import annotations

from pydantic import Field

from mijnoverheid.settings import PlatformSettings


class ZakenSettings(PlatformSettings):
    # The ZGW connector relays organisations' case events (docs/zgw-connector.md). Unset, no
    # relay is trusted (secure by default); in production its certificate's DN.
    zgw_connector_broker_user: str | None = Field(
        default=None,
        description="the broker user of the ZGW connector, trusted to publish case events for "
        "the organisations whose registry entry has zgw",
    )

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.zgw_connector_broker_user is not None:
            problems += self.platform_user_problems(
                zgw_connector_broker_user=self.zgw_connector_broker_user
            )
        return problems
