"""The key of the return paths' signatures: from NOTIFIER_BOUNCE_SECRET, never shown."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from notifier.settings import DEV_BOUNCE_SECRET, NotifierSettings

AMQP_URL = "amqp://notifier:password@127.0.0.1:5672/mijnoverheid"


def test_without_a_secret_the_development_default_is_used_and_said_to_be(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NOTIFIER_BOUNCE_SECRET", raising=False)
    settings = NotifierSettings(amqp_url=AMQP_URL)
    assert settings.bounce_secret == DEV_BOUNCE_SECRET.encode()
    assert settings.bounce_secret_is_the_development_default
    assert "development" in DEV_BOUNCE_SECRET


def test_the_secret_comes_from_the_environment_and_is_not_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NOTIFIER_BOUNCE_SECRET", "a-secret-of-the-deployment")
    settings = NotifierSettings(amqp_url=AMQP_URL)
    assert settings.bounce_secret == b"a-secret-of-the-deployment"
    assert not settings.bounce_secret_is_the_development_default
    assert "a-secret-of-the-deployment" not in repr(settings)


def test_a_short_secret_is_refused_without_repeating_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFIER_BOUNCE_SECRET", "hunter2")
    with pytest.raises(ValidationError) as refused:
        NotifierSettings(amqp_url=AMQP_URL)
    assert "notifier_bounce_secret" in str(refused.value)
    assert "hunter2" not in str(refused.value)
