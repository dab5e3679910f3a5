"""Wire the application: settings → store, policy, interpreter, fleet → Pipeline (for chat, serve, tests)."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from audit.housekeeping import Housekeeper
from audit.store import Store, open_store
from audit.witness import Witness, WitnessKeyError, load_key
from bot.fleetconn import open_fleet
from bot.messages import settings as SM
from bot.pipeline import Notifier, Pipeline
from bot.policy import Policy, default_policy, load_policy
from bot.policy.reload import PolicyWatcher
from bot.settings import Settings, get_settings

log = logging.getLogger(__name__)


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
    """A callable giving the interpreter's live vocabulary (cluster/deployment names, regions, ...) of a given
    snapshot (the request's own: ``bot.pipeline``), or of a fresh one."""
    from bot.interpreter import Vocabulary

    return lambda snap=None: Vocabulary.of(snap if snap is not None else fleet.snapshot())  # once per fleet version


def start_witness(settings: Settings, store: Store) -> Witness | None:
    """The audit witness (signed digests outside the database), when a key is configured; else None and one
    line saying how to turn it on."""
    secret = settings.audit_key.get_secret_value() if settings.audit_key else None
    try:
        key = load_key(secret, settings.audit_key_file, environ={})
    except WitnessKeyError as e:
        log.warning(SM.BAD_AUDIT_KEY.format(error=e))
        return None
    if key is None:
        log.info(SM.NO_AUDIT_KEY.format(path=settings.audit_digests))
        return None
    witness = Witness(store.database, settings.audit_digests, key, every_events=settings.audit_digest_every,
                      every_seconds=settings.audit_digest_seconds)
    return witness.attach(store.audit).start()


@contextmanager
def running_pipeline(settings: Settings | None = None, *, db: Path | None = None, notifier: Notifier | None = None,
                     ready_delay: float | None = None, interpreter: Any = None,
                     recover: bool = True, fleet_cache: bool = False) -> Iterator[Pipeline]:
    """A Pipeline on the configured fleet, store and policy, with its background duties running until the
    block ends: the retry scheduler (approved changes that could not start), the audit witness (when a key is
    set) and the housekeeper (old delivery ids). ``recover``: reconcile interrupted executions now (a front
    end that attaches its notifier first passes False and calls ``pipeline.changes.recover()`` itself, so the
    cards of reconciled requests are refreshed). ``fleet_cache``: read the fleet through the watch-fed cache
    (``tools.fleet.cache``; ``serve`` and ``chat`` pass ``settings.fleet_cache == "on"``)."""
    s = settings or get_settings()
    store = open_db(s, db)
    try:
        with open_fleet(s, ready_delay=ready_delay) as fleet, ExitStack() as duties:
            if fleet_cache:  # its hub lists run while the interpreter and the pipeline are built
                fleet.start_cache(wait=None)
            pipe = Pipeline(store, fleet, interpreter or make_interpreter(s), load_configured_policy(s),
                            rollout_timeout=s.rollout_timeout, notifier=notifier,
                            vocabulary=vocabulary_source(fleet))
            if fleet.cache is not None:
                fleet.cache.wait_warm(60)
            witness = start_witness(s, store)
            if witness is not None:
                duties.callback(witness.stop)
            duties.callback(Housekeeper(store.database).start().stop)
            if s.policy_path:  # reload without a restart: on change of the file, or `fleetops policy reload`
                duties.callback(PolicyWatcher(pipe.live, s.policy_path, store.audit).start().stop)
            if recover:
                pipe.changes.recover()
            duties.callback(pipe.retry.start().stop)
            yield pipe
    finally:
        store.close()
