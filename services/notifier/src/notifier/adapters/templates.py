"""E-mails from Jinja2 templates (templates/<language>/<template>.{txt,html}.j2).

The subject is the `subject` block of the text template. HTML is autoescaped: an organisation
name is data, not markup. Templates see only what `_variables` gives them, and that never
holds a BSN or a message's subject, body or case details.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2

from mijnoverheid.contracts.texts import contains_link
from notifier.domain.contact import Language
from notifier.domain.email import Email
from notifier.domain.request import Category, NotificationRequest, Template

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PORTAL_PATHS = {
    Category.MESSAGES: "/berichtenbox",
    Category.CASES: "/lopende-zaken",
    Category.REGISTRATIONS: "/persoonlijke-gegevens",
}
VERIFY_PATH = "/contactgegevens/bevestigen"
MONTHS = {
    Language.NL: "januari februari maart april mei juni juli augustus september oktober "
    "november december",
    Language.EN: "January February March April May June July August September October "
    "November December",
}


def long_date(value: date, language: Language) -> str:
    month = MONTHS[language].split()[value.month - 1]
    return f"{value.day} {month} {value.year}"


class TemplateRenderer:
    def __init__(self, portal_url: str, directory: Path = TEMPLATES) -> None:
        self._portal_url = portal_url.rstrip("/")
        self._environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(directory),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def notification(self, request: NotificationRequest, language: Language) -> Email:
        variables = {
            "organisation": request.organisation_name,
            # Refused at the Berichtenbox's door already; a link never reaches a mail, even from
            # a message stored before that rule.
            "kind": None if request.kind and contains_link(request.kind) else request.kind,
            # A message always says whether it has legal effect (Wmebv); other news only if so.
            "legal_effect": request.legal_effect
            if request.category is Category.MESSAGES
            else (True if request.legal_effect else None),
            "deadline": long_date(request.deadline, language) if request.deadline else None,
            "expires_on": long_date(request.expires_on, language) if request.expires_on else None,
            "register": request.register_name,
            "link": self._portal_url + PORTAL_PATHS[request.category],
        }
        return self.render(request.template, language, variables)

    def verification(self, code: str, expires_at: datetime, language: Language) -> Email:
        variables = {
            "code": code,
            "valid_until": f"{long_date(expires_at.date(), language)} {expires_at:%H:%M} UTC",
            "link": f"{self._portal_url}{VERIFY_PATH}?code={code}",
            "portal": self._portal_url,
        }
        return self.render(Template.VERIFICATION, language, variables)

    def render(self, template: Template, language: Language, variables: dict[str, Any]) -> Email:
        # Many notifications share their variables (same organisation, kind, deadline).
        return self._render(template, language, tuple(sorted(variables.items())))

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - one renderer per process, kept for life
    def _render(
        self, template: Template, language: Language, items: tuple[tuple[str, Any], ...]
    ) -> Email:
        variables = {**dict(items), "portal": self._portal_url}
        text = self._environment.get_template(f"{language.value}/{template.value}.txt.j2")
        context = text.new_context(variables)
        subject = "".join(text.blocks["subject"](context)).strip()
        html = self._environment.get_template(f"{language.value}/{template.value}.html.j2")
        return Email(subject=subject, text=text.render(variables), html=html.render(variables))
