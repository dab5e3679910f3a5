"""The card updater coalesces and throttles edits per message and always sends the latest state; the
WebClient retries a 429 after Retry-After; the worker is bounded and never lets an error escape."""
from __future__ import annotations

import threading

from slack_env import TOKEN, make_settings, wait_until
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.slack.factory import make_client
from bot.slack.updater import CardUpdater, due_time
from bot.slack.worker import Worker


class Cards:
    """A render source: ``state[key]`` is the card's current content."""

    def __init__(self):
        self.state: dict[str, int] = {}
        self.sent: list[tuple[tuple[str, str], dict]] = []
        self.lock = threading.Lock()

    def render(self, key):
        if key not in self.state:
            return None
        return ("C1", f"ts-{key}"), {"text": f"{key}={self.state[key]}"}

    def send(self, target, payload):
        with self.lock:
            self.sent.append((target, payload))


def test_due_time():
    assert due_time(10.0, None, 1.0) == 10.0
    assert due_time(10.0, 9.5, 1.0) == 10.5
    assert due_time(10.0, 5.0, 1.0) == 10.0


def test_many_marks_become_at_most_two_edits_with_the_latest_state():
    cards = Cards()
    up = CardUpdater(cards.render, cards.send, interval=30.0)  # far longer than the test
    try:
        for i in range(50):
            cards.state["a"] = i
            up.mark("a")
        assert up.flush(10)
        assert 1 <= len(cards.sent) <= 2
        assert cards.sent[-1] == (("C1", "ts-a"), {"text": "a=49"})
        n = len(cards.sent)
        up.mark("a")  # nothing changed: no edit
        assert up.flush(10) and len(cards.sent) == n
    finally:
        up.close()


def test_messages_do_not_wait_for_each_other_and_missing_cards_are_skipped():
    cards = Cards()
    up = CardUpdater(cards.render, cards.send, interval=30.0)
    try:
        cards.state.update(a=1, b=1)
        up.mark("a")
        up.mark("b")
        up.mark("nothing-there")
        wait_until(lambda: len(cards.sent) == 2, what="both cards to be sent")
        assert {t for t, _ in cards.sent} == {("C1", "ts-a"), ("C1", "ts-b")}
    finally:
        up.close()


def test_a_failing_send_does_not_stop_the_updater():
    cards = Cards()
    calls = []

    def send(target, payload):
        calls.append(payload)
        if len(calls) == 1:
            raise OSError("boom")
        cards.send(target, payload)

    up = CardUpdater(cards.render, send, interval=0.0)
    try:
        cards.state["a"] = 1
        up.mark("a")
        wait_until(lambda: calls, what="the first attempt")
        up.mark("a")  # the failed edit was not recorded as sent, so it goes again
        wait_until(lambda: cards.sent, what="the retry")
        assert cards.sent[-1][1] == {"text": "a=1"}
    finally:
        up.close()


def test_web_client_retries_rate_limited_calls(fake, tmp_path):
    client = make_client(make_settings(fake, tmp_path))
    assert any(isinstance(h, RateLimitErrorRetryHandler) for h in client.retry_handlers)
    assert client.base_url == fake.url
    fake.fail("chat.update", error="ratelimited", retry_after=0)
    resp = client.chat_update(channel="C1", ts="1.1", text="hi")
    assert resp["ok"] is True
    assert len(fake.calls("chat.update")) == 2
    plain = WebClient(token=TOKEN, base_url=fake.url)
    plain.retry_handlers.clear()
    fake.fail("chat.update", error="ratelimited", retry_after=0)
    try:
        plain.chat_update(channel="C1", ts="1.1", text="hi")
        raise AssertionError("expected a rate-limit error without the retry handler")
    except Exception as e:
        assert "ratelimited" in str(e)


def test_worker_is_bounded_and_reports_errors():
    release = threading.Event()
    w = Worker(max_workers=1, max_pending=2)
    try:
        assert w.submit(release.wait)
        assert w.submit(release.wait)
        assert not w.submit(release.wait)  # full: the caller tells the user to retry
        release.set()
        assert w.wait_idle(10)
        errors = []
        assert w.submit(lambda: 1 / 0, on_error=errors.append)
        assert w.wait_idle(10)
        assert isinstance(errors[0], ZeroDivisionError)
        assert w.submit(lambda: None, on_error=lambda e: 1 / 0)  # a failing reporter is contained too
        assert w.submit(lambda: 1 / 0, on_error=lambda e: 1 / 0)
        assert w.wait_idle(10) and w.pending == 0
    finally:
        w.shutdown()
