"""One headless Chromium for the tests that click, type and read web pages (the docs site, the
pages of ``stancegraph serve``): selenium over Debian's ``chromium-driver``, the driver built for
the installed browser, so nothing is downloaded (``scripts/install-system-deps`` installs both)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
# Screenshots the tests take are kept here (the CI's artefacts), one PNG per page looked at.
SCREENSHOTS = Path(os.environ.get("SG_SCREENSHOTS", "/tmp/stancegraph-screenshots"))


def needs_browser() -> None:
    """Skip (or fail on CI, where .ci/run installs them) when Chromium or its driver is missing."""
    if CHROMIUM and CHROMEDRIVER:
        return
    missing = "chromium" if not CHROMIUM else "chromium-driver"
    if os.environ.get("CI"):
        pytest.fail(f"{missing} is not installed; .ci/run should have installed it")
    pytest.skip(f"{missing} is not installed (apt-get install chromium chromium-driver)")


@contextmanager
def browser(width: int = 1280, height: int = 900) -> Iterator[object]:
    """A headless Chromium WebDriver, quit on exit; no network beyond what the page asks for."""
    needs_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        f"--window-size={width},{height}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: object, name: str) -> Path:
    """Keep a screenshot of what the driver shows as SCREENSHOTS/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path
