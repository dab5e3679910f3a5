"""Functions run in spawned processes by the pipeline concurrency and crash tests (must be importable).

Each child opens the adapter on the parent's embedded fleet (through its kubeconfig) and the same SQLite
file, and builds its own Pipeline, as a second bot process would.
"""
from __future__ import annotations


def _pipeline(kubeconfig: str, hub: str, db: str, policy_text: str | None, timeout: float, interpreter: bool):
    from audit.store import open_store
    from bot.app import make_interpreter, vocabulary_source
    from bot.pipeline import Pipeline
    from bot.policy import default_policy, loads_policy
    from bot.settings import Settings
    from tools.fleet.adapter import Fleet

    fleet = Fleet.from_kubeconfig(kubeconfig, hub, "auto")
    store = open_store(db)
    policy = loads_policy(policy_text) if policy_text else default_policy()
    interp = make_interpreter(Settings(llm="offline")) if interpreter else None
    pipe = Pipeline(store, fleet, interp, policy, rollout_timeout=timeout, vocabulary=vocabulary_source(fleet))
    pipe.executor.poll = 0.1
    return pipe


def approve(kubeconfig: str, hub: str, db: str, policy_text: str, change_id: str, actor: str, barrier, queue) -> None:
    from bot.identity import Actor

    pipe = _pipeline(kubeconfig, hub, db, policy_text, 30.0, False)
    try:
        barrier.wait(timeout=120)
        from bot.changes import answer

        r = pipe.changes.approve(change_id, Actor(actor))
        ok, text = answer(r, actor)
        queue.put((actor, ok, ok, r.state.value if ok else None, text))  # type: ignore[union-attr]
    except BaseException as e:  # report instead of dying silently
        queue.put((actor, False, False, "error", repr(e)))
        raise
    finally:
        pipe.store.close()
        pipe.fleet.close()


def request(kubeconfig: str, hub: str, db: str, text: str, actor: str) -> None:
    """Handle one request; with a never-ready fault on its deployment this hangs in the rollout."""
    from bot.identity import Actor
    from bot.pipeline import Request

    pipe = _pipeline(kubeconfig, hub, db, None, 600.0, True)
    pipe.handle(Request(actor=Actor(actor), text=text, channel="C0CRASH"))


class _Fixed:
    """An interpreter that always returns the same tool call (the crash test needs no language)."""

    def __init__(self, tool: str, args: dict):
        self.tool, self.args = tool, args

    def interpret(self, text, context):
        from bot import toolbox
        from bot.interpreter.result import ToolCall

        return ToolCall(self.tool, toolbox.validate(self.tool, self.args))


def _die_before_commit(kill_at: int, counter_path: str) -> None:
    """Kill this process (SIGKILL) inside its ``kill_at``-th write transaction, just before COMMIT (0: never);
    every committed transaction is counted in ``counter_path``."""
    import os
    import signal
    from contextlib import contextmanager

    from audit.db import Database

    original = Database.write
    seen = [0]

    @contextmanager
    def write(self):
        outer = not self.conn.in_transaction
        with original(self) as conn:
            yield conn
            if outer:
                seen[0] += 1
                if seen[0] == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)
        if outer:
            with open(counter_path, "w") as f:
                f.write(str(seen[0]))

    Database.write = write  # type: ignore[method-assign]


def flow(kubeconfig: str, hub: str, db: str, policy_text: str, tool: str, args: dict, kill_at: int,
         counter_path: str) -> None:
    """One whole change in one process: ask (U0ALICE), approve (U0BOB), approve to quorum (U0CAROL) and run it;
    killed inside its ``kill_at``-th transaction."""
    from bot.identity import Actor
    from bot.pipeline import Request

    pipe = _pipeline(kubeconfig, hub, db, policy_text, 60.0, False)
    pipe.interpreter = _Fixed(tool, args)
    _die_before_commit(kill_at, counter_path)
    reply = pipe.handle(Request(actor=Actor("U0ALICE"), text=f"{tool} {args}", channel="C0CRASH"))
    assert reply.change is not None, reply.text
    for who in ("U0BOB", "U0CAROL"):
        pipe.changes.approve(reply.change.id, Actor(who))
