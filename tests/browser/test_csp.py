"""The browser fixture's CSP check can fail: an inline script without the nonce, on a page
served with Linli's policy, is reported (control for tests/browser/conftest.py)."""

from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from backend import urls as project_urls

from .conftest import _context, csp_problems


def _inline_script(request):
    return HttpResponse("<!doctype html><title>x</title><p id=p>static</p>"
                        "<script>document.getElementById('p').textContent = 'ran';</script>"
                        f"<script nonce=\"{request.csp_nonce}\">window.withNonce = 1;</script>")


urlpatterns = [path("csp-probe/", _inline_script), *project_urls.urlpatterns]


@override_settings(ROOT_URLCONF=__name__)
def test_an_inline_script_without_the_nonce_is_caught(browser, live_server):
    context = _context(browser, {})
    page = context.new_page()
    page.goto(f"{live_server.url}/csp-probe/")
    page.wait_for_load_state("load")
    assert page.evaluate("window.withNonce") == 1  # the nonce'd script ran
    context.close()
    problems = csp_problems(context)
    assert problems and any("script-src" in p for p in problems), problems
