"""Run in a spawned process by test_crash_steps: one change through the whole pipeline (policy: no approval
needed), SIGKILLed right after its ``kill_at``-th hub write landed (0: never). Every hub write the adapter
makes is counted in ``counter_path`` (apply, delete, merge patch, revision record writes)."""
from __future__ import annotations

WRITES = ("apply", "delete", "merge_patch", "record_revision", "forget_revision")


def _die_after(kill_at: int, counter_path: str) -> None:
    import os
    import signal

    from tools.fleet.adapter import Fleet

    seen = [0]

    def counted(name: str):  # type: ignore[no-untyped-def]
        original = getattr(Fleet, name)

        def write(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            out = original(self, *args, **kwargs)
            seen[0] += 1
            with open(counter_path, "w") as f:
                f.write(str(seen[0]))
            if seen[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return out
        return write

    for name in WRITES:
        setattr(Fleet, name, counted(name))


class _Fixed:
    def __init__(self, tool: str, args: dict):
        self.tool, self.args = tool, args

    def interpret(self, text, context):  # type: ignore[no-untyped-def]
        from bot import toolbox
        from bot.interpreter.result import ToolCall

        return ToolCall(self.tool, toolbox.validate(self.tool, self.args))


def change(kubeconfig: str, hub: str, db: str, policy_text: str, tool: str, args: dict, kill_at: int,
           counter_path: str) -> None:
    from audit.store import open_store
    from bot.app import vocabulary_source
    from bot.identity import Actor
    from bot.pipeline import Pipeline, Request
    from bot.policy import loads_policy
    from tools.fleet.adapter import Fleet

    fleet = Fleet.from_kubeconfig(kubeconfig, hub, "auto")
    store = open_store(db)
    pipe = Pipeline(store, fleet, _Fixed(tool, args), loads_policy(policy_text), rollout_timeout=60.0,
                    vocabulary=vocabulary_source(fleet))
    pipe.executor.poll = 0.05
    _die_after(kill_at, counter_path)
    reply = pipe.handle(Request(actor=Actor("U0ALICE"), text=f"{tool} {args}", channel="C0CRASH"))
    assert reply.change is not None, reply.text
