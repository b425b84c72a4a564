"""Server-rendered pages: Jinja2 (autoescaped) with every text in Dutch and English."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import yaml
from fastapi import Request
from fastapi.responses import HTMLResponse

PACKAGE = Path(__file__).resolve().parents[1]
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@cache
def texts(language: str) -> dict[str, str]:
    loaded = yaml.safe_load((PACKAGE / "texts" / f"{language}.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return {str(key): str(value) for key, value in loaded.items()}


def language_of(request: Request) -> str:
    chosen = request.cookies.get("lang", DEFAULT_LANGUAGE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def _when(value: str | datetime | date | None, language: str, with_time: bool = True) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        local = value.astimezone(AMSTERDAM)
        return local.strftime("%d-%m-%Y %H:%M" if with_time else "%d-%m-%Y")
    return value.strftime("%d-%m-%Y")


class Renderer:
    def __init__(self, globals_: dict[str, Any]) -> None:
        self._environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(PACKAGE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._environment.globals.update(globals_)

    def page(
        self, request: Request, template: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        language = language_of(request)
        catalogue = texts(language)

        def t(key: str, **values: Any) -> str:
            return catalogue[key].format(**values) if values else catalogue[key]

        session = getattr(request.state, "session", None)
        body = self._environment.get_template(template).render(
            t=t,
            lang=language,
            other_lang="en" if language == "nl" else "nl",
            when=lambda value, with_time=True: _when(value, language, with_time),
            path=request.url.path,
            session=session,
            citizen=session.citizen if session else None,
            csrf=session.csrf if session else "",
            **context,
        )
        return HTMLResponse(body, status_code=status)
