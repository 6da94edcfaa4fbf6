"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

See /work/shared/BROWSER_TESTS.md (no browser download here: point at /usr/bin/chromium,
keep Chromium off the network); `make chromium` installs it and runs `npm install` for axe-core.
"""

import os
from pathlib import Path

import pytest
from django.test import override_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def _orm_beside_playwright():
    """Let the ORM run in the test thread while Playwright's sync API is started.

    From the start of the session-scoped `playwright` fixture to its end, Playwright
    keeps its asyncio loop marked as running in this thread, even between calls, so
    Django would refuse the ORM calls of factories, database fixtures and any later
    test in this process (SynchronousOnlyOperation). The variable is set for that
    window only, not at import: `manage.py check --deploy` run in a subprocess by
    another test would report it (async.E001). The live server has a thread of its own.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def playwright(_orm_beside_playwright, playwright):
    return playwright


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Browse as a patron in Paris: Chromium otherwise asks for English (en-US)."""
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris"}


@pytest.fixture(scope="session")
def _plain_http_server():
    """Build the live server's middleware for plain HTTP.

    The server thread instantiates SecurityMiddleware once, when it starts, which is
    before tests/conftest.py switches SECURE_SSL_REDIRECT off for each test: without
    this, every page would redirect the browser to https://localhost.
    """
    with override_settings(SECURE_SSL_REDIRECT=False):
        yield


@pytest.fixture(scope="session")
def live_server(_plain_http_server, live_server):
    return live_server


@pytest.fixture
def axe_violations():
    """Return a function that runs axe-core on a page and lists its serious WCAG 2 A/AA faults."""
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm install` at the repository root")

    def run(page) -> list[str]:
        # Evaluated through the DevTools protocol: an inline <script> would break the
        # pages' Content-Security-Policy, which has no 'unsafe-inline'.
        page.evaluate(AXE_SCRIPT.read_text())
        result = page.evaluate(
            # No preload: axe would copy the stylesheets into inline <style> elements, which
            # the CSP refuses (and which the violation check below would blame on the page).
            """async () => await axe.run(document, {
                preload: false,
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
            })"""
        )
        return [
            f"{violation['id']} ({violation['impact']}): {violation['help']} -> "
            + ", ".join(" ".join(node["target"]) for node in violation["nodes"])
            for violation in result["violations"]
            if violation["impact"] in ("serious", "critical")
        ]

    return run


@pytest.fixture(scope="session")
def screenshots_dir(tmp_path_factory) -> Path:
    """Where screenshots go: docs/screenshots/ for `make screenshots`, else a scratch folder.

    A plain test run must not rewrite the committed pictures of the README.
    """
    chosen = os.environ.get("SCREENSHOTS_DIR")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(autouse=True)
def _no_content_security_policy_violation(request):
    """Fail a browser test whose pages broke their Content-Security-Policy.

    Chromium reports every blocked script, style or image on the console; the
    pages have no inline script or style, so none may appear.
    """
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    violations = []

    def note(message) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{message.location.get('url')}: {message.text}")

    page.on("console", note)
    yield
    assert violations == [], violations
