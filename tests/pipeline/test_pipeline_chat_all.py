"""``fleetops chat`` answers with the grouped summary of a large inventory; ``--all`` on a request prints every row,
and ``/all`` prints the last answer again in full (issue 17). In-process on the demo fleet (14 clusters) with the
summary threshold lowered, so that its inventory is a "large" one."""
from __future__ import annotations

import io

import pytest

from bot.cli.cmd_chat import ask, command
from bot.messages import chat as M
from tools.args import ListClustersArgs


@pytest.fixture(scope="module")
def pipe(tmp_path_factory):
    from bot.app import running_pipeline
    from bot.settings import Settings

    tmp = tmp_path_factory.mktemp("chat-all")
    settings = Settings(llm="offline", home=tmp, db_path=tmp / "chat.db", kubeconfig=None, in_cluster=False,
                        demo_ready_delay=0.0, policy_path=None)
    with running_pipeline(settings, db=settings.database, ready_delay=0.0) as p:
        yield p


@pytest.fixture
def summarised(monkeypatch):
    import tools.list_clusters

    monkeypatch.setattr(tools.list_clusters, "SUMMARY_OVER", 3)


def _names(pipe) -> list[str]:
    return [c.name for c in pipe.read("list_clusters", ListClustersArgs()).clusters]


def _typed(pipe, line: str, state: dict) -> str:
    out = io.StringIO()
    if line.startswith("/"):
        assert command(pipe, line, state, out)
    else:
        ask(pipe, line, state, out)
    return out.getvalue()


def test_default_answer_is_the_summary(pipe, summarised):
    out = _typed(pipe, "list clusters", {"user": "U0ALICE"})
    assert "--all" in out  # the summary says how to see every row
    assert sum(name in out for name in _names(pipe)) < len(_names(pipe))


def test_all_on_a_request_prints_every_row(pipe, summarised):
    out = _typed(pipe, "list clusters --all", {"user": "U0ALICE"})
    assert all(name in out for name in _names(pipe))


def test_slash_all_reshows_the_last_answer_in_full(pipe, summarised):
    state = {"user": "U0ALICE"}
    _typed(pipe, "list clusters", state)
    out = _typed(pipe, "/all", state)
    assert all(name in out for name in _names(pipe))


def test_slash_all_before_any_answer_says_so(pipe):
    assert _typed(pipe, "/all", {"user": "U0ALICE"}).strip() == M.ALL_NOTHING
