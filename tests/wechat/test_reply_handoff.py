"""The hand-off between the callback's request and its command thread: exactly one of
them delivers the command's text (passive reply or customer-service message)."""

from frontend_api.wechat.handlers import _Attempt


def test_a_result_before_the_deadline_is_the_passive_reply():
    attempt = _Attempt()
    assert attempt.finish("答复") is True
    assert attempt.wait(0) is True
    assert attempt.defer() is False  # too late to give up: the request answers with it
    assert attempt.reply == "答复"


def test_after_the_request_gave_up_the_thread_must_send_the_result_itself():
    attempt = _Attempt()
    assert attempt.wait(0) is False
    assert attempt.defer() is True
    assert attempt.finish("答复") is False
    assert attempt.reply is None


def test_only_the_first_result_counts():
    attempt = _Attempt()
    assert attempt.finish("一") is True
    assert attempt.finish("二") is False
    assert attempt.reply == "一"
