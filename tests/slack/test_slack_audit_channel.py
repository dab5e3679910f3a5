"""Audit digests in a Slack channel (issue 12): every digest the witness writes is posted to the audit channel,
a failed post is retried without blocking or losing the file's digest, and ``fleetops audit verify --channel``
checks the log against the channel's history (read page by page) as ``--digests FILE`` does."""
from __future__ import annotations

import json
import shutil
import sqlite3
import threading

import pytest
from slack_env import TOKEN

from audit.log import COLUMNS, row_hash
from audit.store import open_store
from audit.witness import Witness, read_digests
from bot.cli import main
from bot.settings import get_settings
from bot.slack import make_client
from bot.slack.digests import DigestPoster, channel_digest_lines, start_digest_poster
from bot.slack.messages import AUDIT_CHANNEL_UNREADABLE

KEY = b"0123456789abcdef0123456789abcdef"
CHANNEL = "C0AUDIT"


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "fleetops.db"


@pytest.fixture
def digests(tmp_path):
    return tmp_path / "digests.jsonl"


@pytest.fixture
def store(db_path):
    s = open_store(db_path)
    yield s
    s.close()


@pytest.fixture
def client(fake):
    from slack_sdk import WebClient

    return WebClient(token=TOKEN, base_url=fake.url)


@pytest.fixture
def cli_env(fake, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("FLEETOPS_SLACK_API_URL", fake.url)
    monkeypatch.setenv("FLEETOPS_AUDIT_KEY", KEY.decode())
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def record(store, n, start=0):
    for i in range(start, start + n):
        store.audit.record("execution_step", actor=f"U{i}", message=f"step {i}")


def posted_seqs(fake, channel=CHANNEL):
    calls = fake.calls("chat.postMessage", lambda c: c.body.get("channel") == channel)
    return [d.seq for c in calls for _, d, _ in read_digests([c.body["text"]]) if d is not None]


def file_seqs(path):
    return [d.seq for _, d, _ in read_digests(path.read_text().splitlines()) if d is not None]


def verify(capsys, db_path, *extra):
    code = main(["audit", "verify", "--db", str(db_path), "--channel", CHANNEL, *extra])
    out, err = capsys.readouterr()
    return code, out, err


def unlock(conn):
    conn.execute("DROP TRIGGER audit_events_no_update")
    conn.execute("DROP TRIGGER audit_events_no_delete")


@pytest.fixture
def witnessed(store, digests, client, fake):
    """10 events, a digest every 5, both posted to the channel."""
    poster = DigestPoster(client, CHANNEL, digests, poll=3600)
    Witness(store.database, digests, KEY, every_events=5, publish=poster.poke).attach(store.audit)
    record(store, 10)
    assert poster.post_pending() == 2
    return store


# --- posting ---------------------------------------------------------------------------------------------
def test_every_digest_is_posted_once_in_order(store, digests, client, fake):
    poster = DigestPoster(client, CHANNEL, digests, poll=3600).start()
    Witness(store.database, digests, KEY, every_events=2, publish=poster.poke).attach(store.audit)
    record(store, 6)
    fake.wait_for("chat.postMessage", lambda c: c.body.get("channel") == CHANNEL, count=3)
    poster.stop()
    assert posted_seqs(fake) == [1, 2, 3]
    assert file_seqs(digests) == [1, 2, 3]


def test_a_failed_post_is_retried_and_never_blocks_or_loses_the_file_digest(store, digests, client, fake):
    fake.fail("chat.postMessage", error="internal_error", status=500)
    fake.fail("chat.postMessage", error="channel_not_found")
    poster = DigestPoster(client, CHANNEL, digests, poll=3600, retry=0.05, max_retry=0.2)
    Witness(store.database, digests, KEY, every_events=2, publish=poster.poke).attach(store.audit)
    record(store, 4)  # two digests written while Slack fails: the witness is not held up
    assert file_seqs(digests) == [1, 2]
    poster.start()
    fake.wait_for("chat.postMessage", lambda c: c.body.get("channel") == CHANNEL, count=4)  # 2 failed + 2 posted
    poster.stop()
    assert posted_seqs(fake)[-2:] == [1, 2]
    assert poster.failures == 2
    assert len(channel_digest_lines(client, CHANNEL)) == 2


def test_a_restart_goes_on_where_posting_stopped(store, digests, client, fake):
    Witness(store.database, digests, KEY, every_events=2).attach(store.audit)
    record(store, 4)
    assert DigestPoster(client, CHANNEL, digests).post_pending() == 2
    record(store, 2, start=4)
    again = DigestPoster(client, CHANNEL, digests)  # a new process: reads what was posted
    assert again.post_pending() == 1
    assert posted_seqs(fake) == [1, 2, 3]


def test_a_standby_copy_does_not_post(store, digests, client, fake):
    Witness(store.database, digests, KEY, every_events=1).attach(store.audit)
    record(store, 2)
    standby = DigestPoster(client, CHANNEL, digests, poll=3600, active=lambda: False).start()
    standby.stop()
    assert posted_seqs(fake) == []


def test_serve_starts_a_poster_only_with_a_channel_and_a_key(tmp_path, client):
    from bot.settings import Settings

    base = dict(home=tmp_path, slack_bot_token=TOKEN)
    assert start_digest_poster(Settings(**base), client) is None
    assert start_digest_poster(Settings(**base, audit_channel=CHANNEL), client) is None
    poster = start_digest_poster(Settings(**base, audit_channel=CHANNEL, audit_key=KEY.decode()), client)
    assert poster is not None
    poster.stop()
    assert poster.path == tmp_path / "audit-digests.jsonl"


def test_the_setting_is_listed_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "FLEETOPS_AUDIT_CHANNEL" in capsys.readouterr().out


# --- reading the channel -----------------------------------------------------------------------------------
def test_history_is_read_page_by_page_oldest_first_skipping_chatter_and_repeats(store, digests, client, fake):
    Witness(store.database, digests, KEY, every_events=1).attach(store.audit)
    poster = DigestPoster(client, CHANNEL, digests)
    record(store, 3)
    poster.post_pending()
    fake.history[CHANNEL].insert(1, {"type": "message", "text": "who turned on the audit channel?", "ts": "1.5"})
    fake.history[CHANNEL].append(dict(fake.history[CHANNEL][0]))  # the same digest posted twice
    record(store, 4, start=3)
    poster.post_pending()
    lines = channel_digest_lines(client, CHANNEL, page=2)
    assert [d.seq for _, d, _ in read_digests(lines)] == [1, 2, 3, 4, 5, 6, 7]
    assert len(fake.calls("conversations.history")) == 5  # 9 messages, 2 a page


def test_untouched_log_verifies_against_the_channel(witnessed, db_path, cli_env, capsys):
    code, out, _ = verify(capsys, db_path)
    assert code == 0, out
    assert "2 digests checked" in out


def test_cut_tail_with_a_rewritten_anchor_is_caught(witnessed, db_path, cli_env, capsys):
    conn = sqlite3.connect(db_path, isolation_level=None)
    unlock(conn)
    conn.execute("DELETE FROM audit_events WHERE id > 7")
    conn.execute("UPDATE audit_anchor SET head_id = 7, head_hash = (SELECT hash FROM audit_events WHERE id = 7)")
    conn.close()
    assert main(["audit", "verify", "--db", str(db_path)]) == 0  # the file alone cannot tell
    capsys.readouterr()
    code, out, _ = verify(capsys, db_path)
    assert code == 1
    assert "tail was deleted" in out


def test_recomputed_chain_is_caught(witnessed, db_path, cli_env, capsys):
    conn = sqlite3.connect(db_path, isolation_level=None)
    unlock(conn)
    rows = [dict(zip(COLUMNS, r, strict=True))
            for r in conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_events ORDER BY id")]
    prev = rows[1]["hash"]
    for row in rows[2:]:
        if row["id"] == 3:
            row["message"] = "nothing happened"
        row["prev_hash"] = prev
        row["hash"] = prev = row_hash(row)
        conn.execute("UPDATE audit_events SET message = ?, prev_hash = ?, hash = ? WHERE id = ?",
                     (row["message"], row["prev_hash"], row["hash"], row["id"]))
    conn.execute("UPDATE audit_anchor SET head_hash = ?", (prev,))
    conn.close()
    code, out, _ = verify(capsys, db_path)
    assert code == 1
    assert "recomputed" in out


def test_swapped_file_is_caught(witnessed, db_path, tmp_path, cli_env, capsys):
    other = open_store(tmp_path / "other.db")
    record(other, 15)
    other.close()
    witnessed.close()
    shutil.copy(tmp_path / "other.db", db_path)
    for suffix in ("-wal", "-shm"):
        db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    code, out, _ = verify(capsys, db_path)
    assert code == 1
    assert "another database" in out


def test_emptied_tables_are_caught(witnessed, db_path, cli_env, capsys):
    conn = sqlite3.connect(db_path, isolation_level=None)
    unlock(conn)
    conn.execute("DELETE FROM audit_events")
    conn.execute("DELETE FROM audit_anchor")
    conn.close()
    code, out, _ = verify(capsys, db_path)
    assert code == 1
    assert "log is empty" in out


def test_a_forged_digest_in_the_channel_is_reported(witnessed, db_path, fake, cli_env, capsys):
    message = fake.history[CHANNEL][-1]
    message["text"] = message["text"].replace('"head_id":10', '"head_id":9')
    code, out, _ = verify(capsys, db_path)
    assert code == 1
    assert "signature that does not match" in out


def test_a_deleted_digest_message_breaks_the_digest_chain(store, digests, db_path, client, fake, cli_env, capsys):
    Witness(store.database, digests, KEY, every_events=2).attach(store.audit)
    record(store, 6)
    DigestPoster(client, CHANNEL, digests).post_pending()
    del fake.history[CHANNEL][1]
    code, out, _ = verify(capsys, db_path)
    assert code == 1
    assert "does not follow digest 1" in out


def test_json_report_and_exit_code(witnessed, db_path, cli_env, capsys):
    code, out, _ = verify(capsys, db_path, "--json")
    assert code == 0
    assert json.loads(out)["digests"] == 2


def test_an_unreadable_channel_says_what_to_do(witnessed, db_path, fake, cli_env, capsys):
    fake.fail("conversations.history", error="not_in_channel")
    code, _, err = verify(capsys, db_path)
    assert code == 1
    assert "not_in_channel" in err and "channels:history" in err
    assert AUDIT_CHANNEL_UNREADABLE.split("{")[0] in err


def test_channel_without_digests(store, db_path, cli_env, capsys):
    record(store, 1)
    code, out, _ = verify(capsys, db_path)
    assert code == 0
    assert "holds no audit digests yet" in out


def test_channel_needs_the_bot_token(store, db_path, cli_env, monkeypatch, capsys):
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    get_settings.cache_clear()
    code, _, err = verify(capsys, db_path)
    assert code == 1
    assert "SLACK_BOT_TOKEN" in err


def test_posting_from_many_threads_posts_each_digest_once(store, digests, client, fake):
    Witness(store.database, digests, KEY, every_events=1).attach(store.audit)
    record(store, 5)
    poster = DigestPoster(client, CHANNEL, digests)
    threads = [threading.Thread(target=poster.post_pending) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert posted_seqs(fake) == [1, 2, 3, 4, 5]


def test_make_client_reads_the_channel_with_the_configured_url(fake, cli_env, witnessed):
    lines = channel_digest_lines(make_client(get_settings()), CHANNEL)
    assert len(lines) == 2
