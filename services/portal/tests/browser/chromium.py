"""Headless Chromium from Debian's packages, driven by Selenium through Debian's chromedriver,
and axe-core (from the project's npm lock) run inside the page. Test support only."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from mijnoverheid.settings import REPOSITORY_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE = REPOSITORY_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# What works on this machine (and in CI's container): no sandbox, no GPU, and nothing that
# phones home (updates, sync, QUIC probes), so a test only ever talks to our own processes.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
HOW_TO_INSTALL = "run `make browser` (Chromium and chromedriver from Debian, axe-core from npm)"


@contextlib.contextmanager
def chromium(language: str = "nl") -> Iterator[WebDriver]:
    """A fresh browser with a fresh profile: no cookies from an earlier test."""
    for needed in (CHROMIUM, CHROMEDRIVER, AXE):
        if not needed.exists():
            raise RuntimeError(f"{needed} is missing: {HOW_TO_INSTALL}")
    profile = tempfile.mkdtemp(prefix="portal-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--lang={language}")
    # The driver path is given, so Selenium Manager never tries to download one.
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def axe_violations(driver: WebDriver) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations of the current page. WebDriver injects the script
    outside the page's CSP, so the portal's strict policy stays as it is."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(r.violations)).catch(e => done([{id: 'axe-error', impact: 'critical',"
        " help: String(e), nodes: []}]));",
        WCAG_TAGS,
    )
    assert isinstance(result, list)
    return result


def assert_accessible(driver: WebDriver) -> None:
    """Zero serious or critical violations (WCAG 2.1 AA is the law for government sites).
    With PORTAL_SCREENSHOTS=<folder>, also keeps a PNG of every page it checks."""
    folder = os.environ.get("PORTAL_SCREENSHOTS")
    if folder:
        name = re.sub(r"[^a-z0-9]+", "-", urlsplit(driver.current_url).path.lower()).strip("-")
        driver.save_screenshot(str(Path(folder) / f"{name or 'start'}.png"))
    blocking = [v for v in axe_violations(driver) if v.get("impact") in BLOCKING_IMPACTS]
    described = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node.get("target")) for node in v.get("nodes", [])[:3])
        for v in blocking
    ]
    assert not blocking, f"axe on {driver.current_url}:\n" + "\n".join(described)


def wait_for(
    driver: WebDriver, condition: Callable[[WebDriver], Any], what: str, timeout: float = 15
) -> Any:
    """A bounded wait on a condition of the page (never a sleep as synchronisation)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition(driver)
        except (NoSuchElementException, StaleElementReferenceException):
            value = None  # the page is still changing
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout:.0f} s waiting for {what}; at {driver.current_url}"
            )
        time.sleep(0.05)


def heading(driver: WebDriver) -> str:
    return str(driver.find_element(By.TAG_NAME, "h1").text)


def screenshot(driver: WebDriver, name: str) -> None:
    """With DOCS_SCREENSHOTS=<folder> (`make screenshots`), keeps the whole page as
    <folder>/<name>.png, for the documentation; otherwise does nothing."""
    folder = os.environ.get("DOCS_SCREENSHOTS")
    if not folder:
        return
    width, height = driver.get_window_size()["width"], driver.get_window_size()["height"]
    page_height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(width, max(height, page_height + 120))  # the whole page, no scrolling
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))
    finally:
        driver.set_window_size(width, height)
