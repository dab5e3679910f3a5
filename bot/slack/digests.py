"""Audit digests in a Slack channel (issue 12): the witness's digest file mirrored to ``FLEETOPS_AUDIT_CHANNEL``,
and read back from the channel's history for ``fleetops audit verify --channel``.

``DigestPoster(client, channel, path)`` posts every digest of the digest file (``audit.witness``) to the
channel with ``chat.postMessage``, in order of ``seq`` and each once, from its own thread: the file is the
source of truth, so a digest written by the witness of ``serve``, of ``chat`` or by ``fleetops audit digest``
from cron is posted too, and the witness never waits for Slack. The thread looks at the file every
``poll`` seconds (``poke()`` wakes it at once). A post that fails (Slack down, rate-limited, not in the
channel) leaves the digest in the file and is tried again after a growing pause (``retry`` up to
``max_retry`` seconds), digests after it wait their turn: the channel never has a gap that the file has not.
The last posted ``seq`` is kept next to the digest file (``<file>.posted``, per channel), so a restart goes on
where it stopped; a crash between a post and that write posts one digest twice, which the reading side
drops (same signature).

``channel_digest_lines(client, channel)`` pages through ``conversations.history`` (``cursor``) and returns the
digest lines found there, oldest first, repeated posts of one digest once; messages that are not digests
(people talking in the channel) are skipped, a message that claims to be a digest is kept whatever it says
(verify reports a forged or edited one by its signature). Needs the ``channels:history`` scope
(``groups:history`` for a private channel) and the bot in the channel.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

from audit import messages as audit_msg
from audit.witness import Digest, read_digests

log = logging.getLogger(__name__)

MARK = audit_msg.DIGEST_TEXT.partition("{")[0].strip()  # "fleetops audit digest:"
POLL = 5.0
RETRY = 5.0
MAX_RETRY = 300.0
PAGE = 200
MAX_PAGES = 10_000  # 2 million messages: a bound on a channel that never stops saying has_more
ERRORS = (SlackApiError, SlackClientError, OSError)


class ChannelUnreadable(Exception):
    """``conversations.history`` failed: the message says what Slack answered."""


def file_digests(path: Path) -> list[Digest]:
    """The well-formed digests of the file at ``path``, in file order (an unreadable line is verify's
    business; a missing file holds none)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []
    return [d for _, d, _ in read_digests(lines) if d is not None]


class DigestPoster:
    """Mirrors the digest file to a Slack channel (see the module docstring)."""

    def __init__(self, client: Any, channel: str, path: str | Path, *, poll: float = POLL, retry: float = RETRY,
                 max_retry: float = MAX_RETRY, active: Callable[[], bool] | None = None):
        self.client, self.channel, self.path = client, channel, Path(path)
        self.poll, self.retry, self.max_retry = poll, retry, max(retry, max_retry)
        self.active = active  # e.g. "this copy is the writer": a standby copy leaves posting to it
        self.state_path = self.path.with_name(self.path.name + ".posted")
        self.posted = self._load_state()
        self.failures = 0  # posts that failed (stats, tests)
        self._seen: tuple[int, int] | None = None  # (size, mtime) of the file when everything in it was posted
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # --- state ----------------------------------------------------------------------------------------
    def _load_state(self) -> int:
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
            return int(data.get(self.channel, 0)) if isinstance(data, dict) else 0
        except (OSError, ValueError, TypeError):
            return 0

    def _save_state(self) -> None:
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
            data = data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            data = {}
        data[self.channel] = self.posted
        tmp = self.state_path.with_name(self.state_path.name + ".tmp")
        tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.state_path)

    # --- posting ----------------------------------------------------------------------------------------
    def pending(self) -> list[Digest]:
        """The digests of the file not posted yet, in order."""
        digests = file_digests(self.path)
        if digests and digests[-1].seq < self.posted:
            # the file was replaced by a shorter one: post its chain as it is (verify will show the break)
            log.warning("the digest file %s ends at digest %d but %d were posted to %s: posting it from the start",
                        self.path, digests[-1].seq, self.posted, self.channel)
            self.posted = 0
        return [d for d in digests if d.seq > self.posted]

    def post_pending(self) -> int:
        """Post what is pending, in order, stopping at the first failure (raised). Returns how many were posted."""
        with self._lock:
            try:
                st = self.path.stat()
                mark: tuple[int, int] | None = (st.st_size, st.st_mtime_ns)
            except FileNotFoundError:
                mark = None
            if mark is not None and mark == self._seen:
                return 0
            n = 0
            for digest in self.pending():
                self.client.chat_postMessage(channel=self.channel, text=digest.text(), unfurl_links=False,
                                             unfurl_media=False)
                self.posted = digest.seq
                n += 1
                try:
                    self._save_state()
                except OSError as e:  # posting goes on; a restart may post this one again
                    log.warning("could not record the posted audit digest in %s: %s", self.state_path, e)
            self._seen = mark
            return n

    def poke(self, _digest: Digest | None = None) -> None:
        """A digest was written: post it now (usable as ``Witness.publish``). Never blocks."""
        self._wake.set()

    # --- the thread ---------------------------------------------------------------------------------------
    def start(self) -> DigestPoster:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="fleetops-audit-channel", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        pause = 0.0
        while not self._stop.is_set():
            if self.active is None or self.active():
                try:
                    self.post_pending()
                    pause = 0.0
                except ERRORS as e:
                    self.failures += 1
                    pause = min(self.max_retry, pause * 2 if pause else self.retry)
                    log.warning("posting an audit digest to %s failed (%s); trying again in %.0f s",
                                self.channel, _reason(e), pause)
                except Exception:
                    self.failures += 1
                    pause = min(self.max_retry, pause * 2 if pause else self.retry)
                    log.exception("posting audit digests to %s failed", self.channel)
            self._wake.wait(pause or self.poll)
            self._wake.clear()

    def stop(self, timeout: float = 10.0) -> None:
        """Post what is pending (one try) and stop the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self.active is None or self.active():
            try:
                self.post_pending()
            except ERRORS as e:
                log.warning("posting audit digests to %s at shutdown failed (%s); the next start posts them",
                            self.channel, _reason(e))


def _reason(e: BaseException) -> str:
    if isinstance(e, SlackApiError):
        return str(e.response.get("error") or e)
    return str(e) or type(e).__name__


# --- reading the channel ------------------------------------------------------------------------------------
def is_digest_text(text: str) -> bool:
    return MARK in text and "{" in text


def channel_digest_lines(client: Any, channel: str, *, page: int = PAGE) -> list[str]:
    """The digest lines of ``channel``'s history, oldest first, one per digest signature (see module doc).
    Raises ``ChannelUnreadable`` when Slack refuses or cannot be reached."""
    texts: list[str] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        try:
            resp = client.conversations_history(channel=channel, limit=page, **({"cursor": cursor} if cursor else {}))
        except ERRORS as e:
            raise ChannelUnreadable(_reason(e)) from None
        texts += [str(m.get("text") or "") for m in resp.get("messages") or []]
        cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
        if not resp.get("has_more") or not cursor:
            break
    texts.reverse()  # Slack lists the newest first
    return _once(_unescape(t) for t in texts if is_digest_text(t))


def _unescape(text: str) -> str:
    """Slack escapes &, < and > in message text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _once(lines: Iterable[str]) -> list[str]:
    """Drop repeated posts of one digest (same signature), keeping the first."""
    seen: set[str] = set()
    out: list[str] = []
    for line in lines:
        parsed = next(iter(read_digests([line])), None)
        digest = parsed[1] if parsed else None
        if digest is not None and digest.sig:
            if digest.sig in seen:
                continue
            seen.add(digest.sig)
        out.append(line)
    return out


def start_digest_poster(settings: Any, client: Any, active: Callable[[], bool] | None = None) -> DigestPoster | None:
    """``fleetops serve``: a started poster when ``FLEETOPS_AUDIT_CHANNEL`` and an audit key are set, else None."""
    if not settings.audit_channel or not (settings.audit_key or settings.audit_key_file):
        return None
    return DigestPoster(client, settings.audit_channel, settings.audit_digests, active=active).start()
