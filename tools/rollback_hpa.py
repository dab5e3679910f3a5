"""A rollback's autoscaler: what the target revision had, put back. Pure; used by ``tools.rollback``.

A revision records autoscaling as it left it (``Revision.autoscaling``; ``replica_owner.autoscale_at``). Going
back to a revision without an autoscaler removes the HPA first (nothing then scales against the rollback)
and the override rule that gave it the replica count (``change.build`` rebuilds the KAITO object's override
from instance types only, so the rule goes with it). Going back to a revision that autoscaled puts the HPA
back on the rolled-back InferenceSet, then the rule, after the rest of the change. A revision that runs a
Workspace (one fixed replica, no scale subresource) cannot autoscale: the HPA goes and the summary says so.
"""
from __future__ import annotations

from tools import autoscale
from tools import manifests as mf
from tools import replica_owner as owner
from tools.fleet import conventions as cv
from tools.fleet.models import Deployment, Revision
from tools.messages import clusterops as CM
from tools.messages import plans as PM
from tools.plan import Plan, Step

KAITO_KINDS = ("Workspace", "InferenceSet")


def differs(current: Deployment, rev: Revision, live: dict) -> bool:
    """Whether the rollback must change autoscaling (``live``: the hub's ``hpa`` and ``override``)."""
    return owner.autoscale_at(current.revisions, rev.revision) != _have(live)


def _have(live: dict) -> dict[str, int]:
    have = owner.live_state(live.get("hpa"))
    if not have and owner.has_rule(live.get("override")):
        return {"min_replicas": 0, "max_replicas": 0}  # an ownership rule without its HPA: take it away too
    return have


def only_autoscale(p: Plan, current: Deployment, rev: Revision, live: dict, note: str) -> None:
    """A noop by everything else: an in-place change of the autoscaler alone, as a revision of its own."""
    number = max([r.revision for r in current.revisions] + [current.revision]) + 1
    p.revision = Revision(revision=number, model=rev.model, instance_type=rev.instance_type, replicas=rev.replicas,
                          clusters=list(rev.clusters), instance_types=dict(rev.instance_types), note=note)
    name = current.kaito_name or cv.kaito_object_name(current.name, current.revision)
    kaito = mf.relabel(live["kaito"], number) if live.get("kaito") else \
        autoscale.inference_set(current, name, current.replicas, number)
    p.strategy, p.manifests, p.steps = "in_place", [kaito], [Step(kind="apply", manifest=kaito)]
    p.summary = CM.ROLLBACK_HPA_ONLY.format(deployment=current.name, revision=rev.revision)
    for a in p.actions:
        a.action, a.detail = "update", ""


def apply(p: Plan, current: Deployment, rev: Revision, live: dict) -> None:
    """Add the autoscaler's removal or restoration to the rollback plan ``p`` (after ``change.build``)."""
    want = owner.autoscale_at(current.revisions, rev.revision)
    final = next((m for m in reversed(p.manifests) if m["kind"] in KAITO_KINDS), None)
    lost = bool(want) and (final is None or final["kind"] != "InferenceSet")
    if lost:
        want = {}
    if p.revision is not None and (want or _have(live) or any(r.autoscaling is not None for r in current.revisions)):
        p.revision.autoscaling = want  # said only where autoscaling ever was: elsewhere None means off as well
    if not want:
        _remove(p, current, rev, live, lost)
    elif final is not None:
        _restore(p, current, rev, want, final)


def _remove(p: Plan, current: Deployment, rev: Revision, live: dict, lost: bool) -> None:
    if live.get("hpa") is None and not owner.has_rule(live.get("override")):
        return
    deletes, steps, manifests = autoscale.removal(current.name, live.get("hpa"), live.get("override"))
    # the override's rule goes with change.build's own rebuild of it; only what it does not touch is added
    known = {(d.kind, d.name) for d in p.deletes} | {(m["kind"], m["metadata"]["name"]) for m in p.manifests}
    steps = [s for s in steps if s.ref is None or (s.ref.kind, s.ref.name) not in known]
    steps = [s for s in steps if s.manifest is None or (s.manifest["kind"], s.manifest["metadata"]["name"]) not in known]
    p.steps = steps + p.steps
    p.deletes = [d for d in deletes if (d.kind, d.name) not in known] + p.deletes
    p.manifests = p.manifests + [m for m in manifests if (m["kind"], m["metadata"]["name"]) not in known]
    detail = CM.ROLLBACK_HPA_REMOVE.format(revision=rev.revision)
    _say(p, detail, CM.ROLLBACK_HPA_SUMMARY_REMOVE.format(revision=rev.revision, name=cv.hpa_name(current.name))
         + (CM.ROLLBACK_HPA_WORKSPACE.format(revision=rev.revision) if lost else ""),
         [PM.DIFF_DELETE.format(kind=d.kind, name=f"{current.name}/{d.name}") for d in deletes])


def _restore(p: Plan, current: Deployment, rev: Revision, want: dict[str, int], final: dict) -> None:
    name = final["metadata"]["name"]
    lo, hi = want["min_replicas"], want["max_replicas"]
    hpa = autoscale.hpa_manifest(current.name, name, lo, hi)
    ro_name = cv.kaito_override_name(name)
    planned = next((m for m in p.manifests if m["kind"] == "ResourceOverride" and m["metadata"]["name"] == ro_name),
                   None)
    ro = owner.with_rule(planned, current.name, "InferenceSet", name)
    # an override change.build would delete (no instance-type rules left) stays, with the rule
    p.deletes = [d for d in p.deletes if not (d.kind == "ResourceOverride" and d.name == ro_name)]
    p.steps = [s for s in p.steps if not (s.kind == "delete" and s.ref is not None
                                          and s.ref.kind == "ResourceOverride" and s.ref.name == ro_name)]
    p.steps += [Step(kind="apply", manifest=hpa), Step(kind="apply", manifest=ro)]
    p.manifests = [m for m in p.manifests if m is not planned] + [hpa, ro]
    _say(p, CM.ROLLBACK_HPA_RESTORE.format(min=lo, max=hi, revision=rev.revision),
         CM.ROLLBACK_HPA_SUMMARY_RESTORE.format(revision=rev.revision, min=lo, max=hi, name=cv.hpa_name(current.name)),
         [PM.DIFF_APPLY.format(kind=m["kind"], name=f"{current.name}/{m['metadata']['name']}") for m in (hpa, ro)])


def _say(p: Plan, detail: str, summary: str, diff: list[str]) -> None:
    for a in p.actions:
        if a.action != "remove":
            a.detail = f"{a.detail}; {detail}" if a.detail else detail
    p.summary += summary
    p.diff = "\n".join([p.diff, *diff]) if p.diff else "\n".join(diff)
