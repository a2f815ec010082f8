"""The bundled fake WeChat by itself, over loopback HTTP: WeChat's token rules, template
rules, limits, injected faults, and the process mode. Linli's client against the fake is
in test_fake_integration.py."""

import json
import os
import subprocess
import sys
import time

import pytest
import requests

from backend.wechat.fake import FakeControlError, FakeWeChat, FakeWeChatControl

APPID, SECRET = "wxfake000000000001", "fake-secret"


@pytest.fixture
def fake():
    server = FakeWeChat().start()
    control = FakeWeChatControl(server.base_url)
    control.add_account(APPID, SECRET, token="cbtoken")
    control.add_followers(APPID, [{"openid": "oA", "unionid": "uA"},
                                  {"openid": "oGone", "subscribed": False},
                                  {"openid": "oBad", "errcode": 40003}])
    control.add_template(APPID, "TPL")
    yield server, control
    server.stop()


def _stable(base, secret=SECRET, appid=APPID, force=False):
    return requests.post(f"{base}/cgi-bin/stable_token", timeout=5, json={
        "grant_type": "client_credential", "appid": appid, "secret": secret,
        "force_refresh": force}).json()


def _template(base, token, data, *, touser="oA", template_id="TPL"):
    return requests.post(f"{base}/cgi-bin/message/template/send",
                         params={"access_token": token}, timeout=5,
                         json={"touser": touser, "template_id": template_id,
                               "data": data}).json()


def test_the_stable_token_stays_the_same_until_a_forced_refresh_ends_it(fake):
    server, _control = fake
    first = _stable(server.base_url)
    assert first["expires_in"] > 7000 and len(first["access_token"]) > 32
    assert _stable(server.base_url)["access_token"] == first["access_token"]

    forced = _stable(server.base_url, force=True)["access_token"]

    assert forced != first["access_token"]
    assert _template(server.base_url, first["access_token"],
                     {"thing1": {"value": "x"}})["errcode"] == 40001
    assert _template(server.base_url, forced, {"thing1": {"value": "x"}})["errcode"] == 0


def test_cgi_bin_token_issues_a_new_token_each_time(fake):
    server, _control = fake
    params = {"grant_type": "client_credential", "appid": APPID, "secret": SECRET}
    one = requests.get(f"{server.base_url}/cgi-bin/token", params=params, timeout=5).json()
    two = requests.get(f"{server.base_url}/cgi-bin/token", params=params, timeout=5).json()
    assert one["access_token"] != two["access_token"] and two["expires_in"] == 7200


@pytest.mark.parametrize("appid, secret, errcode", [
    (APPID, "wrong", 40125),
    ("wxunknown", SECRET, 40013),
])
def test_bad_credentials_are_refused_on_both_token_endpoints(fake, appid, secret, errcode):
    server, _control = fake
    assert _stable(server.base_url, secret=secret, appid=appid)["errcode"] == errcode
    answer = requests.get(f"{server.base_url}/cgi-bin/token", timeout=5, params={
        "grant_type": "client_credential", "appid": appid, "secret": secret}).json()
    assert answer["errcode"] == errcode and "access_token" not in answer


def test_unknown_missing_and_expired_tokens(fake):
    server, control = fake
    token = _stable(server.base_url)["access_token"]
    assert _template(server.base_url, "nope", {})["errcode"] == 40001
    assert _template(server.base_url, "", {})["errcode"] == 41001

    control.expire_tokens(APPID)

    assert _template(server.base_url, token, {"thing1": {"value": "x"}})["errcode"] == 42001
    # a stable-token call after expiry hands out a new, working token
    fresh = _stable(server.base_url)["access_token"]
    assert fresh != token
    assert _template(server.base_url, fresh, {"thing1": {"value": "x"}})["errcode"] == 0


@pytest.mark.parametrize("data, errcode", [
    ({"thing1": {"value": "一" * 20}}, 0),
    ({"thing1": {"value": "一" * 21}}, 47003),
    ({"character_string2": {"value": "A" * 32}}, 0),
    ({"character_string2": {"value": "A" * 33}}, 47003),
    ({"phrase3": {"value": "已报名成功"}}, 0),
    ({"phrase3": {"value": "已经报名成功"}}, 47003),
    ({"time4": {"value": "2026年11月26日 14:00"}}, 0),
    ({"time4": {"value": 1764136800}}, 47003),
    ({"date5": {"value": ""}}, 47003),
    ({"keyword1": {"value": "第一行\n第二行"}}, 47003),
    ({"remark": {"value": "回车\r"}}, 47003),
    ({"thing1": "not an object"}, 47003),
])
def test_template_values_are_checked_like_wechat(fake, data, errcode):
    server, control = fake
    token = _stable(server.base_url)["access_token"]
    answer = _template(server.base_url, token, data)
    assert answer["errcode"] == errcode, answer
    sent = control.messages(appid=APPID, openid="oA", kind="template")
    assert len(sent) == (1 if errcode == 0 else 0)


@pytest.mark.parametrize("touser, template_id, errcode", [
    ("oA", "TPL_UNKNOWN", 40037),
    ("oNobody", "TPL", 40003),
    ("oGone", "TPL", 43004),
    ("oBad", "TPL", 40003),
])
def test_template_recipients_and_ids(fake, touser, template_id, errcode):
    server, control = fake
    token = _stable(server.base_url)["access_token"]
    answer = _template(server.base_url, token, {"thing1": {"value": "x"}}, touser=touser,
                       template_id=template_id)
    assert answer["errcode"] == errcode
    # failed calls are recorded as calls, not as messages
    assert control.calls(appid=APPID, kind="template")[-1]["errcode"] == errcode
    assert control.messages(appid=APPID) == []


@pytest.mark.parametrize("count, errcode", [(1, 40130), (10_001, 40032), (2, 0)])
def test_mass_send_takes_two_to_ten_thousand_openids(fake, count, errcode):
    server, _control = fake
    token = _stable(server.base_url)["access_token"]
    answer = requests.post(f"{server.base_url}/cgi-bin/message/mass/send",
                           params={"access_token": token}, timeout=5,
                           json={"touser": [f"o{i}" for i in range(count)], "msgtype": "text",
                                 "text": {"content": "通知"}}).json()
    assert answer["errcode"] == errcode
    if not errcode:
        assert answer["msg_id"]


def test_batchget_takes_at_most_a_hundred(fake):
    server, _control = fake
    token = _stable(server.base_url)["access_token"]
    url = f"{server.base_url}/cgi-bin/user/info/batchget"
    too_many = {"user_list": [{"openid": "oA"}] * 101}
    assert requests.post(url, params={"access_token": token}, json=too_many,
                         timeout=5).json()["errcode"] == 40032
    answer = requests.post(url, params={"access_token": token}, timeout=5,
                           json={"user_list": [{"openid": "oA"}, {"openid": "oGone"}]}).json()
    assert answer["user_info_list"][0]["unionid"] == "uA"
    assert answer["user_info_list"][1] == {"subscribe": 0, "openid": "oGone"}


def test_injected_errors_hit_the_next_n_calls_of_a_path_only(fake):
    server, control = fake
    token = _stable(server.base_url)["access_token"]
    control.inject_error("/cgi-bin/message/template/send", errcode=45009, count=2)
    data = {"thing1": {"value": "x"}}

    assert [_template(server.base_url, token, data)["errcode"] for _ in range(3)] == \
        [45009, 45009, 0]
    assert _stable(server.base_url)["access_token"] == token  # other paths untouched


def test_injected_http_errors_timeouts_and_delays(fake):
    server, control = fake
    token = _stable(server.base_url)["access_token"]
    data = {"thing1": {"value": "x"}}
    url = f"{server.base_url}/cgi-bin/message/template/send"

    control.inject_error("/cgi-bin/message/template/send", http_status=503)
    assert requests.post(url, params={"access_token": token}, json=data,
                         timeout=5).status_code == 503

    control.inject_error("/cgi-bin/message/template/send", timeout=True, hang_seconds=2)
    with pytest.raises(requests.Timeout):
        requests.post(url, params={"access_token": token}, json=data, timeout=0.3)

    control.set_delay("/cgi-bin/message/template/send", 0.3)
    started = time.monotonic()
    assert _template(server.base_url, token, data)["errcode"] == 0
    assert time.monotonic() - started >= 0.3


def test_the_control_api_refuses_what_it_cannot_do(fake):
    _server, control = fake
    with pytest.raises(FakeControlError):
        control.inject_error("/cgi-bin/message/template/send", errcode=12345)
    with pytest.raises(FakeControlError):
        control.add_followers("wxunknown", [{"openid": "o"}])
    with pytest.raises(FakeControlError):
        control.inject_error("/cgi-bin/message/template/send", http_status=404)


def test_reset_forgets_everything(fake):
    server, control = fake
    _stable(server.base_url)
    control.reset()
    assert control.state()["accounts"] == []
    assert control.calls() == []
    assert _stable(server.base_url)["errcode"] == 40013


def test_runs_as_a_process_and_keeps_its_state_in_the_state_file(tmp_path):
    state_file = tmp_path / "fake-wechat.json"

    def run():
        process = subprocess.Popen(
            [sys.executable, "-m", "backend.wechat.fake", "--port", "0", "--state-file",
             str(state_file)], stdout=subprocess.PIPE, text=True,
            cwd=os.getcwd())
        line = process.stdout.readline().strip()
        assert line.startswith("FAKE_WECHAT_URL=http://127.0.0.1:"), line
        return process, line.split("=", 1)[1]

    process, base = run()
    try:
        FakeWeChatControl(base).add_account(APPID, SECRET, token="t")
        token = _stable(base)["access_token"]
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0

    saved = json.loads(state_file.read_text())
    assert APPID in saved["accounts"]

    process, base = run()
    try:
        # same account, and the stable token other processes hold still works
        assert _stable(base)["access_token"] == token
    finally:
        process.terminate()
        process.wait(timeout=10)
