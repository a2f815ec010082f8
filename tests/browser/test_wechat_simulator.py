"""The newcomer's WeChat flow on the real `make run` stack (honcho: gunicorn, a Celery worker
and beat on the filesystem broker, and the fake WeChat the runner started on a port of its
own), driven through the simulator page /dev/wechat/ on a phone-size screen.

The demo resident follows 微市南 unbound. She asks for 辅导 and her slot link lands on the
password login with "ask your community staff for a binding code"; the staff step makes her
a binding link; she opens it in WeChat and is bound through the fake's OAuth; 辅导 again, the
slot link signs her in through OAuth, she books, and the TUTORING_BOOKED template message
comes back to her in the simulator, sent by the worker through the fake.
"""

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backend.wechat.demo import DEMO_APP_ID, demo_openid
from backend.wechat.fake import FakeWeChatControl
from backend.wechat.models import WeChatAccount
from tests.integration.test_run_stack import stack  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.heavy, pytest.mark.browser]

# The demo resident's follower on 微市南 (the stack's database is its own: no query here).
RESIDENT = demo_openid(WeChatAccount(app_id=DEMO_APP_ID), "resident")
ROOT = Path(__file__).resolve().parents[2]
SHARED_TOKEN = ("from backend.wechat import client; from backend.wechat.models import "
                "WeChatAccount; print(client.client_for(WeChatAccount.objects.get("
                "slug='weishinan')).access_token)")
# The 辅导 reply's booking link: the WeChat booking page, or the phone page that replaces it.
SLOT_PAGE = r"/(?:wechat/weishinan/tutoring/\d+|tutoring/slots/[^/?#\s]+/)"
SLOT_LINK = re.compile(SLOT_PAGE + r"\?wx=weishinan")


def _send(page, text: str, expect: str, before: int) -> None:
    page.fill("#text", text)
    page.click("#compose button")
    page.locator("#chat li.them").nth(before).wait_for(timeout=30_000)
    page.wait_for_function(
        "([n, s]) => [...document.querySelectorAll('#chat li.them')].slice(n)"
        ".some(li => li.textContent.includes(s))", arg=[before, expect], timeout=30_000)


def _open_as_follower(page, link):
    """The simulator opens a link in a new tab, as the picked follower."""
    with page.context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    return tab


def _last_slot_link(page):
    """The first slot's booking link in the latest 辅导 reply."""
    bubbles = page.locator("#chat li.them", has_text="预约：")
    return bubbles.last.locator("a.as-follower", has_text="/tutoring/").first


def test_a_newcomer_binds_books_tutoring_and_gets_the_confirmation(stack, phone,  # noqa: F811
                                                                    screenshot):
    base, fake = stack["base"], FakeWeChatControl(stack["fake"])
    started = time.monotonic()
    steps: list[tuple[str, float]] = []

    def step(name: str) -> None:
        steps.append((name, time.monotonic() - started))

    page = phone.new_page()
    page.goto(f"{base}/dev/wechat/")
    page.wait_for_function("document.querySelectorAll('#account option').length > 0")
    page.select_option("#account", "weishinan")
    page.select_option("#follower", RESIDENT)
    openid = RESIDENT
    label = page.eval_on_selector("#follower", "s => s.selectedOptions[0].textContent")
    assert label == "林奶奶（居民）（未绑定）", label
    step("simulator open, the resident picked")

    # Unbound, she asks for tutoring: the reply lists slots with booking links.
    _send(page, "辅导", "预约：", before=0)
    reply = page.locator("#chat li.them", has_text="预约：").last.inner_text()
    assert SLOT_LINK.search(reply), reply
    screenshot(page, "1-unbound-tutoring-reply")
    step("辅导 answered")

    # Her WeChat is bound to nobody: the link ends at the login, saying how to bind.
    tab = _open_as_follower(page, _last_slot_link(page))
    assert "/wechat/weishinan/login/" in tab.url and "unbound=1" in tab.url, tab.url
    assert "绑定二维码" in tab.content()
    screenshot(tab, "2-unbound-login-hint")
    tab.close()
    step("slot link while unbound: login with the binding hint")

    # The staff step (at the desk, played by the simulator), then she opens the link.
    chat_items = page.locator("#chat li").count()
    page.click("#staff-bind")
    note = page.locator("#chat li.staff-note").last
    note.wait_for()
    assert page.locator("#chat li").count() == chat_items + 1
    assert "%2Fbind%2F" in note.locator("a").get_attribute("href")  # the /bind/<token> link
    screenshot(page, "3-staff-binding-link")
    tab = _open_as_follower(page, note.locator("a"))
    assert "绑定成功" in tab.content(), tab.content()
    screenshot(tab, "4-bound")
    tab.close()
    step("bound through the binding link and the fake's OAuth")

    # Bound now: 辅导 again, the slot link signs her in through OAuth, she books.
    before = page.locator("#chat li.them").count()
    _send(page, "辅导", "预约：", before=before)
    tab = _open_as_follower(page, _last_slot_link(page))
    # Back on the page, without `wx` (WeChat's #wechat_redirect fragment rides along).
    assert re.search(SLOT_PAGE + r"(#wechat_redirect)?$", tab.url), tab.url
    screenshot(tab, "5-slot-signed-in")
    book = tab.get_by_role("button", name="预约", exact=True)  # the phone page asks twice
    if book.count():
        book.click()
    tab.get_by_role("button", name="确认预约").click()
    tab.get_by_text("预约成功").wait_for()
    screenshot(tab, "6-booked")
    tab.close()
    step("slot opened, signed in through OAuth, booked")

    # The worker sends the confirmation through the fake; the simulator shows it.
    page.locator("#chat li.template").first.wait_for(timeout=60_000)
    template = page.locator("#chat li.template").first.inner_text()
    assert "模板消息" in template
    assert "辅导预约成功" in template, template
    # Back in the simulator (the tab closed), the list says whom she is bound to.
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    page.wait_for_function("document.querySelector('#follower').selectedOptions[0]"
                           ".textContent.includes('已绑定')")
    screenshot(page, "7-confirmation-in-simulator")
    step("TUTORING_BOOKED template message in the simulator")

    sent = fake.messages(appid=DEMO_APP_ID, openid=openid, kind="template")
    assert [m["body"]["template_id"] for m in sent] == [
        f"TPL-{DEMO_APP_ID[-6:]}-TUTORING_BOOKED"], sent
    assert phone.aborted == []

    # One access token per account for every process: the worker fetched it; another
    # process (a management shell, with the same origins) finds it in the shared cache.
    env = {**stack["env"], "LINLI_WECHAT_API_ORIGIN": stack["fake"],
           "LINLI_WECHAT_OPEN_ORIGIN": stack["fake"]}
    shell = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SHARED_TOKEN], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120)
    assert shell.returncode == 0, shell.stderr[-2000:]
    assert len(fake.calls(appid=DEMO_APP_ID, kind="stable_token")) == 1
    for name, at in steps:
        print(f"  {at:5.1f} s  {name}")
