"""Browser tests: the workshop app served by ``healthsim app``, driven in headless
Chromium (Debian's package) by Playwright, with every request off this computer blocked.

Developers without chromium get a skip that says so; in CI (``CI=true``) a missing
browser or Playwright is a failure, as ``.ci/run`` installs them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL = {"127.0.0.1", "localhost", "[::1]", "::1"}
#: Longest wait for the server to answer and for the page to draw (s).
SERVER_TIMEOUT = 60
PAGE_TIMEOUT_MS = 30_000


def _need(what: str, why: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is missing in CI: {why}", pytrace=False)
    pytest.skip(f"{what} not available ({why}); install it to run the browser tests")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        _need("chromium", "as root: apt-get install -y chromium")
    return path


@pytest.fixture(scope="session")
def playwright_api():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("playwright", "pip install -e '.[dev,app]'")
    try:
        import solara  # noqa: F401
    except ImportError:
        _need("solara", "pip install -e '.[dev,app]'")
    try:  # Mesa's SolaraViz, which the app is built on, imports altair
        import mesa.visualization  # noqa: F401
    except ImportError as exc:
        _need("Mesa's SolaraViz", f"{exc}; pip install altair")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_api, chromium_path):
    b = playwright_api.chromium.launch(
        executable_path=chromium_path, headless=True, args=CHROMIUM_FLAGS
    )
    yield b
    b.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """``healthsim app`` running in a subprocess on a free local port."""

    def __init__(self, scenario: str, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = log
        self._log = log.open("w")
        cmd = [sys.executable, "-m", "healthsim", "app", scenario, "--port", str(self.port)]
        self.proc = subprocess.Popen(
            cmd, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + SERVER_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app server exited: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"app server did not answer in {SERVER_TIMEOUT}s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory, chromium_path, playwright_api) -> Iterator[AppServer]:
    """One app server per test module (the machines have two cores)."""
    log = tmp_path_factory.mktemp("app") / "server.log"
    server = AppServer("baseline", log)
    yield server
    server.stop()


class Offline:
    """Route handler: requests off this computer are aborted and remembered."""

    def __init__(self) -> None:
        self.blocked: list[str] = []
        self.failed: list[str] = []

    def route(self, route) -> None:
        host = urlparse(route.request.url).hostname or ""
        if host in LOCAL or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort("internetdisconnected")


@pytest.fixture
def offline_page(browser, app_server):
    """A fresh page on the app with the internet cut off; yields (page, offline)."""
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000})
    off = Offline()
    ctx.route("**/*", off.route)
    page = ctx.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.on(
        "requestfailed",
        lambda r: off.failed.append(r.url) if urlparse(r.url).hostname in LOCAL else None,
    )
    page.on(
        "response",
        lambda r: off.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    yield page, off
    ctx.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where the tests save screenshots (printed, so a person can look)."""
    d = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots: {d}")
    return d
