"""Browser tests: Playwright driving Debian's `chromium` package, never a browser Playwright
downloads. Without chromium they are skipped locally (with the reason) and fail in CI."""

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from playwright.sync_api import sync_playwright

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


# The machine may have no Chinese system font (screenshots would show boxes): chromium also
# gets the certificates' WenQuanYi Micro Hei through a fontconfig file of its own.
CJK_FONTS = ROOT / "backend" / "certificates" / "fonts"


def _fontconfig(folder: Path) -> dict:
    conf = folder / "fonts.conf"
    system = "<include ignore_missing=\"yes\">/etc/fonts/fonts.conf</include>"
    conf.write_text(f"<?xml version=\"1.0\"?>\n<fontconfig>{system}"
                    f"<dir>{CJK_FONTS}</dir><cachedir>{folder / 'cache'}</cachedir>"
                    f"</fontconfig>\n", encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    executable = _chromium()

    # Playwright's sync API keeps an event loop running in this thread; Django would then
    # refuse ORM calls from the test body. The browser runs only in browser tests.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True,
                env=_fontconfig(tmp_path_factory.mktemp("fontconfig")),
                # root in CI containers: chromium's sandbox needs user namespaces.
                args=["--no-sandbox", "--disable-dev-shm-usage"])
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# Every Content-Security-Policy violation (enforced, or report-only under DEBUG) is written
# to the console by this listener, and chromium logs its own "Refused to …" line; a context
# that saw either fails its test (`csp_problems`).
# Playwright itself evaluates strings in the page (`wait_for_function("…")`): an eval with
# no source file of the page's own is the test harness, not Linli, and is not counted.
CSP_LISTENER = """document.addEventListener("securitypolicyviolation", (e) => {
  if (e.blockedURI === "eval" && !e.sourceFile) return;
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
                + ` at ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
});"""
CSP_MESSAGE = re.compile(r"CSP violation|Content Security Policy|Refused to (execute|apply|load)")
HARNESS_EVAL = re.compile(r"Evaluating a string as JavaScript|'unsafe-eval'")


def csp_problems(context) -> list[str]:
    return list(context.csp_violations)


def _context(browser, options):
    context = browser.new_context(**options)
    context.aborted = []  # URLs that tried to leave the machine
    context.csp_violations = []
    context.add_init_script(script=CSP_LISTENER)

    def on_console(message):
        if HARNESS_EVAL.search(message.text) and not message.location.get("url"):
            return
        if CSP_MESSAGE.search(message.text):
            context.csp_violations.append(f"{message.text} ({message.location.get('url')})")

    context.on("console", on_console)

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
    assert csp_problems(context) == [], "Content-Security-Policy violations"


@pytest.fixture
def desktop(browser):
    """A desktop context (1280×800) in which every non-loopback request is aborted."""
    context = _context(browser, DESKTOP)
    yield context
    context.close()
    assert csp_problems(context) == [], "Content-Security-Policy violations"


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
