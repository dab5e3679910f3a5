"""A plan in words: the intent line and one line per cluster, for every card that shows a plan. Pure.

``plan_lines(plan)`` is what the chat card and the Slack card show before the diff: first what the request
means (``Plan.intent.text``, e.g. "Move coder-assist off aks-swedencentral-prod-1 → aks-westus3-prod-1 (keeps
aks-eastus-prod-2)"), then one line per cluster (add / keep / remove / replace / scale), then the clusters a
placement-based target left out and why. The helpers below build the pieces the tools put in their intents.
"""
from __future__ import annotations

from collections.abc import Iterable

from tools.catalog import Catalog
from tools.change import Target
from tools.fleet.models import Deployment, Revision
from tools.messages import plans as M
from tools.plan import Plan

_SUFFIXES = ("-instruct", "-it")


def names(clusters: Iterable[str]) -> str:
    """``a, b`` (sorted, distinct); ``-`` for none."""
    out = sorted(set(clusters))
    return ", ".join(out) if out else "-"


def model_label(model: str) -> str:
    """``Qwen/Qwen2.5-Coder-32B-Instruct`` → ``Qwen2.5-Coder-32B``: the part after the org, without the
    instruction-tuning suffix."""
    short = model.split("/", 1)[-1]
    for suffix in _SUFFIXES:
        if short.lower().endswith(suffix) and len(short) > len(suffix):
            return short[: -len(suffix)]
    return short


def revision_label(rev: Revision, catalog: Catalog) -> str:
    """``Qwen2.5-Coder-7B, H100``: the model and the GPU(s) a revision ran on."""
    skus = {rev.instance_type, *rev.instance_types.values()} if rev.clusters else {rev.instance_type}
    gpus = sorted({catalog.gpu_of(s) or s for s in skus})
    return M.INTENT_WHAT.format(model=model_label(rev.model), gpu="/".join(gpus))


def keeps(clusters: Iterable[str]) -> str:
    kept = sorted(set(clusters))
    return M.INTENT_KEEPS.format(clusters=names(kept)) if kept else ""


def action_line(verb: str, cluster: str, detail: str) -> str:
    if not detail:
        return M.LINE_ACTION_BARE.format(verb=verb, cluster=cluster)
    return M.LINE_ACTION.format(verb=verb, cluster=cluster, detail=detail)


def plan_lines(plan: Plan) -> list[str]:
    """The intent in words, then one line per cluster, then the clusters left out (with the reason)."""
    lines = [plan.intent.text] if plan.intent else [plan.summary]
    for a in plan.actions:
        lines.append(action_line(M.LINE_VERBS.get(a.action, a.action), a.cluster, a.detail))
    for cluster, reason in sorted(plan.left_out.items()):
        lines.append(M.LINE_LEFT_OUT.format(cluster=cluster, reason=reason))
    return lines


def _skus(dep: Deployment, clusters: Iterable[str]) -> str:
    return ", ".join(sorted({dep.instance_type_on(c) for c in clusters})) or "-"


def update_text(deployment: str, current: Deployment, target: Target, catalog: Catalog) -> str:
    """What an update of an existing deployment means: clusters added ("Add C to D (keeps A, B)"), clusters
    it leaves ("Run D only on C: adds C, leaves A, B"), and model / instance type / replica changes."""
    cur, tgt = set(current.clusters), set(target.clusters)
    added, left, kept = tgt - cur, cur - tgt, cur & tgt
    changes = []
    if current.model != target.model:
        changes.append(M.INTENT_CHANGE.format(label="model", old=model_label(current.model),
                                              new=model_label(target.model)))
    old_skus = _skus(current, kept)
    new_skus = ", ".join(sorted({target.skus[c] for c in kept})) or "-"
    if kept and old_skus != new_skus:
        changes.append(M.INTENT_CHANGE.format(label="instance type", old=old_skus, new=new_skus))
    if current.replicas != target.replicas:
        changes.append(M.INTENT_CHANGE.format(label="replicas", old=current.replicas, new=target.replicas))
    if left:
        parts = ([M.INTENT_ADDS.format(clusters=names(added))] if added else []) + \
            [M.INTENT_LEAVES.format(clusters=names(left)), *changes]
        return M.INTENT_ONLY.format(deployment=deployment, clusters=names(tgt)) + \
            M.INTENT_PARTS.format(parts="; ".join(parts))
    if added:
        text = M.INTENT_ADD.format(added=names(added), deployment=deployment) + keeps(kept)
        return text + (M.INTENT_PARTS.format(parts="; ".join(changes)) if changes else "")
    if not changes:
        return M.INTENT_UPDATE_NOTHING.format(deployment=deployment)
    return M.INTENT_UPDATE.format(deployment=deployment, changes="; ".join(changes)) + \
        M.INTENT_ON.format(clusters=names(tgt))


def part_lines(plan: Plan) -> list[str]:
    """A plan made of parts (``drain_cluster``), part by part: "2. coder-assist: Move coder-assist off A → B",
    then that part's clusters that change, indented. Empty for a plan without parts."""
    lines = []
    for i, part in enumerate(plan.parts, 1):
        label = part.deployment or names(part.clusters)
        text = part.intent.text if part.intent and part.deployment else part.summary
        lines.append(M.LINE_PART.format(i=i, label=label, text=text))
        for a in part.actions:
            if a.action != "keep" or part.strategy == "noop":
                verb = M.LINE_VERBS.get(a.action, a.action)
                lines.append(M.LINE_PART_ACTION.format(line=action_line(verb, a.cluster, a.detail)))
    return lines


def part_outcome_lines(plan: Plan, outcome: dict) -> list[str]:
    """One line per part of an executed plan made of parts, from the stored outcome (``Outcome.parts``):
    "coder-assist: done, coder-assist is now at revision 4"; "gemma-staging: left as it is, ...". """
    lines = []
    for part, out in zip(plan.parts, outcome.get("parts") or [], strict=False):
        status = str(out.get("status") or "")
        lines.append(M.LINE_PART_OUTCOME.format(label=part.deployment or names(part.clusters),
                                                status=M.EXEC_PART_STATUS.get(status, status),
                                                message=out.get("message") or ""))
    return lines
