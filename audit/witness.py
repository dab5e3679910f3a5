"""A witness outside the database file: signed digests of the audit log's head, in a file of JSON lines.

The hash chain and ``audit_anchor`` live in the same SQLite file, so someone who can write that file can
delete the tail and fix the anchor, recompute the chain after an edit, empty both tables or swap in
another database, and the file alone still verifies. A digest written *elsewhere* remembers what the
log looked like::

    {"v":1,"seq":7,"ts":"2026-11-01T09:30:00.123Z","head_id":700,"head_hash":"…","count":700,
     "first_hash":"…","prev":"<sha256 of the previous digest's sig>","alg":"HMAC-SHA256",
     "key_id":"3f9a1c0b","sig":"<hex>"}

``sig`` is HMAC-SHA256 over the canonical JSON of every other field, with a key that is *not* in the
database (``FLEETOPS_AUDIT_KEY``, or a key file). ``prev`` chains digests, so one removed from the middle
of the digest file shows. ``audit.verify.verify_path(..., digests=...)`` checks every digest against the
database: a digest vouching for ids the database no longer has (tail cut, tables emptied), or whose
head row now hashes differently (a recomputed chain, another database), fails verification. Events
written after the newest digest are not covered: the window is ``every_events`` / ``every_seconds``.

``Witness`` writes them: attach it to an ``AuditLog`` (``witness.attach(store.audit)``) and it writes a
digest after every ``every_events`` appends; ``start()`` adds a timer that writes one every
``every_seconds`` when the head moved, and ``stop()`` writes a last one. It reads the *committed* head
on its own connection, so a digest never vouches for an append that was later rolled back.
``publish`` (optional) is called with each new ``Digest``; ``Digest.text()`` is a line to post to an
audit Slack channel (posting is the bot's job: the audit package imports nothing from ``bot``).

HMAC means whoever can verify can also sign: keep the key away from the machine's other users (a
file readable only by the service account) and give it to auditors separately.
"""
from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from audit import messages as msg
from audit.db import Database
from audit.errors import AuditError
from audit.models import GENESIS_HASH
from audit.timeutil import iso, utcnow

log = logging.getLogger(__name__)

KEY_ENV = "FLEETOPS_AUDIT_KEY"
KEY_FILE_ENV = "FLEETOPS_AUDIT_KEY_FILE"
ALG = "HMAC-SHA256"
MIN_KEY_BYTES = 16
EVERY_EVENTS = 100
EVERY_SECONDS = 600.0


class WitnessKeyError(AuditError, ValueError):
    """No usable signing key (missing, too short, unreadable file)."""


class Digest(BaseModel):
    v: int = 1
    seq: int
    ts: str
    head_id: int
    head_hash: str
    count: int
    first_hash: str
    prev: str
    alg: str = ALG
    key_id: str
    sig: str = ""

    def signed_part(self) -> bytes:
        data = self.model_dump(exclude={"sig"})
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def line(self) -> str:
        return json.dumps(self.model_dump(), sort_keys=True, separators=(",", ":"))

    def text(self) -> str:
        """A Slack-postable line carrying the whole digest (``read_digests`` accepts it back)."""
        return msg.DIGEST_TEXT.format(head_id=self.head_id, count=self.count, line=self.line())


# -- keys ------------------------------------------------------------------------------------------
def key_id(key: bytes) -> str:
    """A short public name for a key (first 8 hex of its SHA-256), to tell "wrong key" from "forged"."""
    return hashlib.sha256(key).hexdigest()[:8]


def load_key(key: str | bytes | None = None, key_file: str | Path | None = None,
             environ: Mapping[str, str] | None = None) -> bytes | None:
    """The signing key: ``key`` itself, else the contents of ``key_file``, else ``$FLEETOPS_AUDIT_KEY``,
    else the file named by ``$FLEETOPS_AUDIT_KEY_FILE``; None when none is set. Surrounding whitespace of
    a file is ignored. Raises ``WitnessKeyError`` for an unreadable file or a key under 16 bytes."""
    env = os.environ if environ is None else environ
    if key is not None:
        raw: bytes | None = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    elif key_file is not None:
        raw = _read_key_file(key_file)
    elif env.get(KEY_ENV):
        raw = env[KEY_ENV].encode("utf-8")
    elif env.get(KEY_FILE_ENV):
        raw = _read_key_file(env[KEY_FILE_ENV])
    else:
        raw = None
    if raw is None:
        return None
    if len(raw) < MIN_KEY_BYTES:
        raise WitnessKeyError(msg.KEY_TOO_SHORT.format(n=len(raw), min=MIN_KEY_BYTES))
    return raw


def _read_key_file(key_file: str | Path) -> bytes:
    path = Path(key_file).expanduser()
    try:
        return path.read_bytes().strip()
    except OSError as e:
        raise WitnessKeyError(msg.KEY_FILE_UNREADABLE.format(path=path, error=e.strerror or e)) from None


def sign(digest: Digest, key: bytes) -> Digest:
    unsigned = digest.model_copy(update={"key_id": key_id(key), "sig": ""})
    return unsigned.model_copy(update={"sig": hmac.new(key, unsigned.signed_part(), hashlib.sha256).hexdigest()})


def signature_ok(digest: Digest, key: bytes) -> bool:
    expected = hmac.new(key, digest.signed_part(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, digest.sig)


def chain_link(digest: Digest | None) -> str:
    """The ``prev`` value of the digest after ``digest`` (64 zeros for the first)."""
    return GENESIS_HASH if digest is None else hashlib.sha256(digest.sig.encode("ascii", "replace")).hexdigest()


# -- the digest file ---------------------------------------------------------------------------------
def read_digests(lines: Iterable[str]) -> Iterator[tuple[int, Digest | None, str | None]]:
    """``(line number, digest, problem)`` for each non-blank line: a digest, or why the line is not one.
    Accepts plain JSON lines and ``Digest.text()`` lines (a Slack channel's history)."""
    for n, line in enumerate(lines, 1):
        text = line.strip()
        if not text:
            continue
        start = text.find("{")
        try:
            data = json.loads(text[start:].rstrip("`")) if start >= 0 else None
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            yield n, Digest.model_validate(data), None
        except (ValueError, ValidationError) as e:
            yield n, None, msg.DIGEST_UNREADABLE.format(line=n, error=str(e).splitlines()[0][:200])


def _last_digest(f: Any) -> Digest | None:
    f.seek(0, os.SEEK_END)
    size = f.tell()
    f.seek(max(0, size - 65536))
    lines = f.read().decode("utf-8", "replace").splitlines()
    for _, d, _ in reversed(list(read_digests(lines[-20:]))):
        if d is not None:
            return d
    return None


def append_digest(path: str | Path, key: bytes, *, head_id: int, head_hash: str, count: int,
                  first_hash: str, ts: str | None = None) -> Digest:
    """Sign and append one digest to ``path`` (created with mode 0600), chained to the last one there.
    An exclusive ``flock`` makes concurrent writers (``serve`` and ``chat`` on one machine) take turns;
    the line is fsynced before returning."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            last = _last_digest(f)
            digest = sign(Digest(seq=(last.seq + 1) if last else 1, ts=ts or iso(utcnow()), head_id=head_id,
                                 head_hash=head_hash, count=count, first_hash=first_hash, prev=chain_link(last),
                                 key_id=""), key)
            f.write((digest.line() + "\n").encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
    return digest


def committed_head(database: Database) -> tuple[int, str, int, str]:
    """(head id, head hash, row count, hash of row 1) as committed, read on a private connection."""
    conn = database.reader()
    try:
        conn.execute("BEGIN")
        head = conn.execute("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
        first = conn.execute("SELECT hash FROM audit_events ORDER BY id LIMIT 1").fetchone()
        count = conn.execute("SELECT COUNT(*) FROM audit_events").fetchone()[0]
    finally:
        conn.close()
    return (head[0], head[1], count, first[0]) if head else (0, GENESIS_HASH, 0, GENESIS_HASH)


# -- the writer -----------------------------------------------------------------------------------------
class Witness:
    """Writes a signed digest every ``every_events`` appends and every ``every_seconds`` (see module doc)."""

    def __init__(self, database: Database, path: str | Path, key: bytes, *, every_events: int = EVERY_EVENTS,
                 every_seconds: float = EVERY_SECONDS, publish: Callable[[Digest], None] | None = None):
        if len(key) < MIN_KEY_BYTES:
            raise WitnessKeyError(msg.KEY_TOO_SHORT.format(n=len(key), min=MIN_KEY_BYTES))
        self.database, self.path, self._key = database, Path(path), key
        self.every_events, self.every_seconds = max(1, int(every_events)), float(every_seconds)
        self.publish = publish
        self._lock = threading.Lock()
        self._pending = 0
        self._last_head: tuple[int, str] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def attach(self, audit_log: Any) -> Witness:
        """Count the appends of ``audit_log`` (an ``AuditLog``); returns self."""
        audit_log.add_listener(self.poke)
        return self

    def poke(self, appended: int = 1) -> None:
        """``appended`` events were recorded: write a digest once ``every_events`` have accumulated."""
        with self._lock:
            self._pending += appended
            due = self._pending >= self.every_events
        if due:
            self.write()

    def write(self, force: bool = False) -> Digest | None:
        """Write a digest of the committed head now, unless it equals the last one written (``force``
        writes anyway). Never raises: a failure is logged and retried at the next occasion."""
        try:
            with self._lock:
                head_id, head_hash, count, first = committed_head(self.database)
                if not force and self._last_head == (head_id, head_hash):
                    self._pending = 0
                    return None
                digest = append_digest(self.path, self._key, head_id=head_id, head_hash=head_hash, count=count,
                                       first_hash=first)
                self._last_head, self._pending = (head_id, head_hash), 0
        except Exception:  # the witness must never break recording
            log.exception("could not write an audit digest to %s", self.path)
            return None
        if self.publish is not None:
            try:
                self.publish(digest)
            except Exception:
                log.exception("publishing audit digest %s failed", digest.seq)
        return digest

    def start(self) -> Witness:
        """Write a digest now and then every ``every_seconds`` while the head moves (daemon thread)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="fleetops-audit-witness", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        self.write()
        while not self._stop.wait(self.every_seconds):
            self.write()

    def stop(self) -> None:
        """Stop the timer and write a last digest (a clean shutdown leaves nothing uncovered)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.write()
