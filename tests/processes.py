"""Child processes for the crash and concurrency tests, started cheaply.

``spawn`` starts a fresh interpreter that imports the whole bot again for every child (about a second on an
idle machine, several under load, and the crash tests start one per hub write). A ``forkserver`` is one clean
process, started once without the test process's threads, that has imported those modules already; each child
is a fork of it, so it starts at once and still shares nothing with the test process.
"""
from __future__ import annotations

import multiprocessing
from multiprocessing.context import BaseContext

PRELOAD = ["audit.store", "bot.pipeline", "bot.app", "bot.policy", "tools.executor", "tools.fleet.adapter"]


def children() -> BaseContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx
