"""A citizen using the portal over plain HTTP, as a browser without JavaScript would: one cookie
jar, redirects followed, and every form read from the page it is on and posted with its hidden
fields (the portal's CSRF token, the DigiD mock's transaction). Nothing is taken from the
portal's database or published on its behalf: `make demo` activates its citizens this way, and
tests use it where a browser would only be slower.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import TracebackType
from urllib.parse import urljoin

import httpx

_REASON = re.compile(r'id="probleem"[^>]*data-reason="([\w-]+)"')


class PortalError(RuntimeError):
    """The portal (or the DigiD mock) did not do what the citizen asked; says where it ended."""


@dataclass
class Form:
    action: str
    inputs: list[dict[str, str]] = field(default_factory=list)

    def hidden(self) -> dict[str, str]:
        return {
            i["name"]: i.get("value", "")
            for i in self.inputs
            if i.get("type") == "hidden" and "name" in i
        }

    def by_id(self, element_id: str) -> dict[str, str]:
        found = [i for i in self.inputs if i.get("id") == element_id]
        if not found:
            raise PortalError(f"no field #{element_id} in the form to {self.action}")
        return found[0]


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._open: Form | None = None
        # Elements with an id and a data attribute, for state a page shows (the e-mail).
        self.data: dict[str, dict[str, str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values and any(name.startswith("data-") for name in values):
            self.data[values["id"]] = values
        if tag == "form":
            self._open = Form(values.get("action", ""))
            self.forms.append(self._open)
        elif tag in ("input", "button") and self._open is not None:
            self._open.inputs.append(values)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def read_page(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    return parser


class PortalCitizen:
    def __init__(self, portal_url: str, timeout: float = 15.0) -> None:
        self.portal_url = portal_url.rstrip("/")
        self._http = httpx.AsyncClient(follow_redirects=True, timeout=timeout)

    async def __aenter__(self) -> PortalCitizen:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self._http.aclose()

    async def _page(self, path_or_url: str) -> httpx.Response:
        response = await self._http.get(urljoin(self.portal_url + "/", path_or_url))
        self._expect_portal(response, path_or_url)
        return response

    def _expect_portal(self, response: httpx.Response, what: str) -> None:
        reason = _REASON.search(response.text)
        if (
            response.status_code != 200
            or reason
            or not str(response.url).startswith(self.portal_url)
        ):
            shown = f" (page says: {reason.group(1)})" if reason else ""
            raise PortalError(
                f"{what}: ended at {response.url.path} with {response.status_code}{shown}"
            )

    @staticmethod
    def _form(response: httpx.Response, action: str) -> Form:
        for form in read_page(response.text).forms:
            if form.action == action:
                return form
        raise PortalError(f"no form to {action} on {response.url.path}")

    async def _submit(self, page: httpx.Response, form: Form, **fields: str) -> httpx.Response:
        response = await self._http.post(
            urljoin(str(page.url), form.action), data={**form.hidden(), **fields}
        )
        self._expect_portal(response, f"posting to {form.action}")
        return response

    async def log_in(self, bsn: str, level: str = "midden") -> None:
        """The OIDC code flow with PKCE as the portal runs it: the portal's login redirects to
        the DigiD mock's page, where the citizen picks the test person and the level."""
        mock_page = await self._http.get(f"{self.portal_url}/inloggen")
        if mock_page.status_code != 200 or str(mock_page.url).startswith(self.portal_url):
            raise PortalError(f"the login did not reach the DigiD mock ({mock_page.url})")
        form = self._form(mock_page, "/authorize")
        acr = form.by_id(f"acr-{level}")["value"]
        form.by_id(f"person-{bsn}")  # a test person of the mock's configuration
        back = await self._http.post(
            urljoin(str(mock_page.url), form.action),
            data={**form.hidden(), "person": bsn, "acr": acr, "login": "1"},
        )
        self._expect_portal(back, "logging in")

    async def consent(self, organisation_oin: str, digital: bool = True) -> bool:
        """Digital post from this organisation on (or off) on the settings page; whether it
        changed (False: it was so already)."""
        page = await self._page("/instellingen")
        for form in read_page(page.text).forms:
            hidden = form.hidden()
            if form.action == "/instellingen/toestemming" and hidden.get("oin") == organisation_oin:
                # The form offers the switch to the other state: "aan" while it is off.
                if (hidden.get("digitaal") == "aan") != digital:
                    return False
                await self._submit(page, form)
                return True
        raise PortalError(f"organisation {organisation_oin} is not on the settings page")

    async def email(self) -> str:
        """The confirmed e-mail address the settings page shows ('' for none)."""
        page = await self._page("/instellingen")
        return read_page(page.text).data.get("e-mailstatus", {}).get("data-email", "")

    async def set_email(self, address: str) -> None:
        page = await self._page("/instellingen")
        await self._submit(page, self._form(page, "/instellingen/e-mail"), email=address)

    async def confirm_email(self, link: str) -> None:
        """Opens the link from the verification mail and presses the button on that page."""
        if not link.startswith(self.portal_url + "/"):
            raise PortalError(f"the mail's link does not point at the portal: {link}")
        page = await self._page(link)
        form = self._form(page, "/contactgegevens/bevestigen")
        await self._submit(page, form, code=form.by_id("code").get("value", ""))

    async def log_out(self) -> None:
        page = await self._page("/overzicht")
        response = await self._http.post(
            f"{self.portal_url}/uitloggen", data=self._form(page, "/uitloggen").hidden()
        )
        if response.status_code >= 400:
            raise PortalError(f"logging out ended with {response.status_code}")

    async def get(self, path: str) -> httpx.Response:
        """A page as it answers, redirects not followed (for tests of what is refused)."""
        return await self._http.get(self.portal_url + path, follow_redirects=False)

    async def post(self, path: str, data: dict[str, str] | None = None) -> httpx.Response:
        """A form post with this session's CSRF token, redirects not followed."""
        page = await self._page("/overzicht")
        token = self._form(page, "/uitloggen").hidden()["csrf_token"]
        return await self._http.post(
            self.portal_url + path,
            data={"csrf_token": token, **(data or {})},
            follow_redirects=False,
        )

    def session_cookie(self) -> str | None:
        return self._http.cookies.get("session") or self._http.cookies.get("__Host-session")
