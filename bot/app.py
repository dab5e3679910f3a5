"""Wire the application: settings → store, policy, interpreter, fleet → Pipeline (for chat, serve, tests)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from audit.store import Store, open_store
from bot.fleetconn import open_fleet
from bot.pipeline import Notifier, Pipeline
from bot.policy import Policy, default_policy, load_policy
from bot.settings import Settings, get_settings


def load_configured_policy(settings: Settings) -> Policy:
    return load_policy(settings.policy_path) if settings.policy_path else default_policy()


def open_db(settings: Settings, path: Path | None = None) -> Store:
    db = Path(path or settings.database)
    db.parent.mkdir(parents=True, exist_ok=True)
    return open_store(db)


def make_interpreter(settings: Settings) -> Any:
    from bot.interpreter import build_interpreter

    return build_interpreter(settings)


def vocabulary_source(fleet: Any):
    """A callable giving the interpreter's live vocabulary (cluster/deployment names, regions, ...)."""
    from bot.interpreter import Vocabulary

    return lambda: Vocabulary.from_snapshot(fleet.snapshot())


@contextmanager
def running_pipeline(settings: Settings | None = None, *, db: Path | None = None, notifier: Notifier | None = None,
                     ready_delay: float | None = None, interpreter: Any = None,
                     recover: bool = True) -> Iterator[Pipeline]:
    """A Pipeline on the configured fleet, store and policy. ``recover``: reconcile interrupted executions
    now (a front end that attaches its notifier first passes False and calls ``pipeline.changes.recover()`` itself,
    so the cards of reconciled requests are refreshed)."""
    s = settings or get_settings()
    store = open_db(s, db)
    try:
        with open_fleet(s, ready_delay=ready_delay) as fleet:
            pipe = Pipeline(store, fleet, interpreter or make_interpreter(s), load_configured_policy(s),
                            rollout_timeout=s.rollout_timeout, notifier=notifier,
                            vocabulary=vocabulary_source(fleet))
            if recover:
                pipe.changes.recover()
            yield pipe
    finally:
        store.close()
