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
        r = pipe.approve(change_id, Actor(actor))
        queue.put((actor, r.ok, r.executed, r.outcome.status if r.outcome else None, r.text))
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
