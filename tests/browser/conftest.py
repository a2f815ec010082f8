"""Browser tests: Playwright driving Debian's `chromium` package, never a browser Playwright
downloads. Without chromium they are skipped locally (with the reason) and fail in CI."""

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "zh-CN"}

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.heavy)


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        reason = ("browser tests need Debian's chromium: apt-get install -y chromium "
                  "(Playwright never downloads a browser here)")
        if os.environ.get("CI"):
            pytest.fail(reason)  # in CI a missing browser is a failure, never a skip
        print(f"\nSKIPPED: {reason}")
        pytest.skip(reason)
    return path


CJK_FONTS = ROOT / "backend" / "certificates" / "fonts"


def _fontconfig_with_cjk() -> Path:
    """A fontconfig file adding the Chinese font the certificates ship (WenQuanYi Micro Hei)
    to the system's, so pages render real glyphs (and real widths) without a font package."""
    path = ROOT / "var" / "browser-fonts.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{CJK_FONTS}</dir>\n</fontconfig>\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def browser():
    executable = _chromium()
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only when a browser runs

    # Playwright's sync API keeps an event loop running in this thread; Django would then
    # refuse ORM calls from the test body. The browser runs only in browser tests.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True,
                # root in CI containers: chromium's sandbox needs user namespaces.
                args=["--no-sandbox", "--disable-dev-shm-usage"],
                env={**os.environ, "FONTCONFIG_FILE": str(_fontconfig_with_cjk())})
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _context(browser, options):
    context = browser.new_context(**options)
    context.aborted = []  # URLs that tried to leave the machine

    def only_loopback(route):
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            context.aborted.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    return context


@pytest.fixture
def phone(browser):
    """A phone-size context (390×844) in which every non-loopback request is aborted."""
    context = _context(browser, PHONE)
    yield context
    context.close()


@pytest.fixture
def desktop(browser):
    """A desktop context (1280×800) in which every non-loopback request is aborted."""
    context = _context(browser, DESKTOP)
    yield context
    context.close()


@pytest.fixture
def screenshot(request):
    """screenshot(page, "name") saves artifacts/screenshots/<test>-<name>.png."""

    def save(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def login(live_server):
    """login(context, user): the context carries a Django session for `user`."""
    def log_in(context, user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies["sessionid"]
        context.add_cookies([{"name": "sessionid", "value": cookie.value,
                              "url": live_server.url}])

    return log_in
