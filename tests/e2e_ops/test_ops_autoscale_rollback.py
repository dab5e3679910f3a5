"""Issue 13, autoscaling and rollback through ``fleetops chat``'s pipeline (interpreter, change request, two
prod approvals, executor) on a demo fleet of the module's own: autoscale llama-support, then roll back to the
revision from before it; the card's lines say the autoscaler goes, and it does (hub and members)."""
from __future__ import annotations

from tests.e2e_ops.ops_cases import _approve_twice
from tools.fleet import conventions as cv

DEP = "llama-support"


def hpas(kube) -> list[dict]:
    return kube.list("HorizontalPodAutoscaler", DEP)


def test_rollback_to_before_autoscale_removes_the_hpa(chat_ops):
    fleet = chat_ops.fleet
    before = fleet.get_deployment(DEP).revision
    on = chat_ops.say(f"autoscale {DEP} between 2 and 5 replicas")
    assert on.call[0] == "autoscale"
    assert "succeeded" in _approve_twice(chat_ops, on)
    assert len(hpas(fleet.hub)) == 1
    assert fleet.get_deployment(DEP).revision == before + 1  # autoscaling is a revision of its own
    ro = fleet.hub.get("ResourceOverride", cv.kaito_override_name(cv.kaito_object_name(DEP, before)), DEP)
    assert ro is not None  # the member HPAs own the replica count

    back = chat_ops.say(f"roll back {DEP} to revision {before}")
    assert back.call == ("rollback", {"deployment": DEP, "to_revision": before})
    assert back.shown.count("remove the autoscaler") == len(fleet.get_deployment(DEP).clusters), back.shown
    assert "succeeded" in _approve_twice(chat_ops, back)
    chat_ops.pipe.fleet.embedded.wait_idle()
    assert hpas(fleet.hub) == []
    assert fleet.hub.list("ResourceOverride", DEP) == []
    for c in fleet.get_deployment(DEP).clusters:
        assert hpas(fleet.members[c]) == []
