"""The end states a change request can reach after an approval, set up on a real (embedded) fleet, shared by
the chat and the Slack notice tests: succeeded, failed, cancelled (nothing left to do), stale (the intent can
no longer be carried out), expired, and approved-but-waiting-for-the-hub (the hub cannot be reached)."""
from __future__ import annotations

import socket
from pathlib import Path

STAGING = "deploy gemma 3 4b as {name} on aks-westus3-staging-1"
STALE_CLUSTER = "aks-westus3-staging-1"
ALLOW_ALL = """
ttl: 4h
rules:
  "*":
    "*": {approvals: 0}
"""
EXPECTED = {  # end state -> words the approver must be told (and "was carried out" only for succeeded)
    "succeeded": ["was carried out"],
    "failed": ["failed", "CUDA out of memory"],
    "cancelled": ["cancelled", "nothing left to do"],
    "stale": ["can no longer be done", "not carried out"],
    "expired": ["expired", "not carried out"],
    "approved": ["approved but has not run yet", "could not read the fleet"],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dead_fleet(emb, tmp: Path):
    """An adapter for the same fleet whose hub and members cannot be reached (a closed loopback port)."""
    from tools.fleet.adapter import Fleet

    text = Path(emb.kubeconfig_path).read_text().replace(emb.url, f"http://127.0.0.1:{free_port()}")
    path = tmp / "dead-kubeconfig"
    path.write_text(text)
    return Fleet.from_kubeconfig(path, emb.hub, {m: m for m in emb.members})
