"""A plan in words: the intent line and one line per cluster, for every card that shows a plan. Pure.

``plan_lines(plan)`` is what the chat card and the Slack card show before the diff: first what the request
means (``Plan.intent.text``, e.g. "Move coder-assist off aks-swedencentral-prod-1 → aks-westus3-prod-1 (keeps
aks-eastus-prod-2)"), then one line per cluster (add / keep / remove / replace / scale), then the clusters a
placement-based target left out and why. The helpers below build the pieces the tools put in their intents.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tools.catalog import Catalog
from tools.change import Target
from tools.fleet.models import Deployment, Revision
from tools.messages import plans as M
from tools.placement_result import Placement
from tools.plan import Plan
from tools.targets import AddOrMove, ClustersUnfit

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


def intent_line(plan: Plan) -> str:
    """What the request means, in words (the plan's summary when it has no recorded intent)."""
    return plan.intent.text if plan.intent and plan.intent.text else plan.summary


def verb(action: str) -> str:
    """The word a card uses for a per-cluster action: create → add; keep, remove, replace, update, scale."""
    return M.LINE_VERBS.get(action, action)


def cluster_lines(plan: Plan) -> list[str]:
    """One line per cluster the plan touches or keeps: "add C: ...", "keep C: no change", "remove C: ..."."""
    return [action_line(verb(a.action), a.cluster, a.detail) for a in plan.actions]


def left_out_lines(plan: Plan) -> list[str]:
    """The clusters a placement-based target left out, each with the reason."""
    return [M.LINE_LEFT_OUT.format(cluster=c, reason=r) for c, r in sorted(plan.left_out.items())]


def plan_lines(plan: Plan) -> list[str]:
    """The intent in words, then one line per cluster, then the clusters left out (with the reason)."""
    return [intent_line(plan), *cluster_lines(plan), *left_out_lines(plan)]


@dataclass(frozen=True)
class Question:
    """A planner refusal told as a question: what to decide, why (one line per cluster), and the requests
    that would answer it (each one a request the interpreter understands)."""

    text: str
    reasons: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)


def question_of(error: BaseException) -> Question | None:
    """The question a typed planner refusal asks (``AddOrMove``, ``ClustersUnfit``); None for other errors."""
    if isinstance(error, AddOrMove):
        where = " and ".join(error.requested)
        return Question(M.ASK_ADD_OR_MOVE.format(name=error.name, current=names(error.current), requested=where),
                        options=[M.OPTION_ADD.format(name=error.name, clusters=where),
                                 M.OPTION_MOVE.format(name=error.name, clusters=where)])
    if isinstance(error, ClustersUnfit) and isinstance(error.placement, Placement):
        p = error.placement
        fits = [r.cluster for r in p.rejected if r.failed_filters == ["clusters"]]
        suggested = [c for c in fits if any(s.startswith(c + " ") for s in p.suggestions)]
        options = [M.OPTION_DEPLOY.format(model=p.model, cluster=c) for c in (suggested or fits)[:4]]
        return Question(M.ASK_CLUSTERS_UNFIT.format(model=p.model, clusters=names(error.unfit)),
                        reasons=[M.CANNOT_TAKE_ONE.format(cluster=c, reason=r) for c, r in sorted(error.unfit.items())],
                        options=options)
    return None


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
