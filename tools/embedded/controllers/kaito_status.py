"""Workspace and InferenceSet status as KAITO writes it, for each stage of the simulated lifecycle.

Stages of a Workspace: ``provisioning`` (GPU nodes coming up) → ``resource`` (nodes ready, inference
server starting) → ``final`` (what its ``Fate`` says: ready, never ready, failed, or stuck progressing).
Capacity shortage and an unknown/unfitting model are failures at any stage.

Reading convention (what the fleet adapter relies on): ``WorkspaceSucceeded`` / ``InferenceSetReady``
is True when serving, **False when failed**, and **Unknown while still in progress**; ``status.state``
is ``Ready``, ``Pending`` (in progress) or ``Failed``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tools.embedded.conditions import find, make
from tools.messages import embedded as msg

FateKind = Literal["ready", "never_ready", "failed", "progressing"]
CREATED_BY_LABEL = "inferenceset.kaito.sh/created-by"


@dataclass(frozen=True)
class Fate:
    kind: FateKind = "ready"
    reason: str | None = None
    message: str | None = None


READY = Fate()


def _plural(n: int) -> str:
    return "" if n == 1 else "s"


def workspace_status(stage: str, fate: Fate, *, need: int, sku: str, nodes: list[str], gen: int,
                     now: str) -> dict:
    pending_res = make("ResourceReady", "False", "ResourceNotReady",
                       msg.KAITO_NODES_PENDING.format(need=need, sku=sku, s=_plural(need)), gen, now)
    res_ok = make("ResourceReady", "True", "WorkspaceResourceStatusSuccess",
                  msg.KAITO_RESOURCE_READY.format(nodes=", ".join(nodes)), gen, now)
    inf_unknown = make("InferenceReady", "Unknown", "WorkspaceInferenceStatusPending",
                       msg.KAITO_INFERENCE_PENDING, gen, now)
    inf_pending = make("InferenceReady", "False", "WorkspaceInferenceStatusPending",
                       msg.KAITO_INFERENCE_PENDING, gen, now)
    succ_wait_res = make("WorkspaceSucceeded", "Unknown", "workspacePending", msg.KAITO_WAITING_RESOURCES, gen, now)
    succ_wait_inf = make("WorkspaceSucceeded", "Unknown", "workspacePending", msg.KAITO_WAITING_INFERENCE, gen, now)
    state = "Pending"
    if stage == "provisioning":
        conds = [pending_res, inf_unknown, succ_wait_res]
    elif fate.kind == "progressing":
        res = make("ResourceReady", "False", fate.reason or "ResourceNotReady",
                   fate.message or pending_res["message"], gen, now)
        conds = [res, inf_unknown, succ_wait_res]
    elif stage == "resource":
        conds = [res_ok, inf_pending, succ_wait_inf]
    elif fate.kind == "never_ready":
        conds = [res_ok, make("InferenceReady", "False", "InferenceNotReady", fate.message or msg.KAITO_NEVER_READY,
                              gen, now), succ_wait_inf]
    elif fate.kind == "failed":
        reason, text = fate.reason or "InferenceNotReady", fate.message or msg.KAITO_FAILED_DEFAULT
        conds = [res_ok, make("InferenceReady", "False", reason, text, gen, now),
                 make("WorkspaceSucceeded", "False", reason, text, gen, now)]
        state = "Failed"
    else:
        conds = [res_ok,
                 make("InferenceReady", "True", "WorkspaceInferenceStatusSuccess", msg.KAITO_INFERENCE_READY, gen, now),
                 make("WorkspaceSucceeded", "True", "workspaceSucceeded", msg.KAITO_SUCCEEDED, gen, now)]
        state = "Ready"
    return {"conditions": conds, "state": state, "targetNodeCount": need, "workerNodes": list(nodes)}


def workspace_failed(reason: str, message: str, *, need: int | None, gen: int, now: str) -> dict:
    """Capacity shortage or an unusable model/instance type: KAITO cannot get the workspace going."""
    status: dict = {
        "conditions": [make("ResourceReady", "False", reason, message, gen, now),
                       make("InferenceReady", "Unknown", "WorkspaceInferenceStatusPending",
                            msg.KAITO_INFERENCE_PENDING, gen, now),
                       make("WorkspaceSucceeded", "False", reason, message, gen, now)],
        "state": "Failed",
    }
    if need:
        status["targetNodeCount"] = need
    return status


def _child_index(ws: dict) -> int:
    try:
        return int(ws["metadata"]["name"].rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return 1 << 30


def inferenceset_status(iset: dict, children: list[dict], now: str) -> dict:
    spec = iset.get("spec") or {}
    gen = int(iset["metadata"].get("generation", 1))
    replicas = int(spec.get("replicas", 1))
    live = sorted((c for c in children if _child_index(c) < replicas), key=_child_index)
    ready = [c for c in live if (find((c.get("status") or {}).get("conditions"), "WorkspaceSucceeded") or {})
             .get("status") == "True"]
    selector = ",".join(f"{k}={v}" for k, v in ((spec.get("labelSelector") or {}).get("matchLabels") or {}).items())
    if len(ready) >= replicas and len(live) >= replicas:
        cond = make("InferenceSetReady", "True", "InferenceSetReady", msg.ISET_READY.format(n=replicas), gen, now)
    else:
        cond = None
        for c in live:
            conds = (c.get("status") or {}).get("conditions") or []
            succ = find(conds, "WorkspaceSucceeded")
            if succ and succ.get("status") == "True":
                continue
            if succ and succ.get("status") == "False":
                cond = make("InferenceSetReady", "False", succ["reason"], succ.get("message", ""), gen, now)
                break
            if cond is None:
                src = next((x for x in (find(conds, t) for t in ("ResourceReady", "InferenceReady"))
                            if x and x.get("status") != "True"), None)
                if src:
                    cond = make("InferenceSetReady", "Unknown", src["reason"], src.get("message", ""), gen, now)
        if cond is None:
            cond = make("InferenceSetReady", "Unknown", "InferenceSetNotReady",
                        msg.ISET_SCALING.format(ready=len(ready), n=replicas), gen, now)
    return {"replicas": replicas, "readyReplicas": len(ready), "selector": selector, "conditions": [cond]}


def child_workspace(iset: dict, index: int) -> dict:
    """Replica ``index`` of an InferenceSet, as KAITO's InferenceSet controller creates it."""
    spec = iset.get("spec") or {}
    tmpl = spec.get("template") or {}
    meta = iset["metadata"]
    labels = dict(((tmpl.get("metadata") or {}).get("labels")) or {})
    labels[CREATED_BY_LABEL] = meta["name"]
    resource: dict = {"labelSelector": spec.get("labelSelector") or {}}
    if (tmpl.get("resource") or {}).get("instanceType"):
        resource["instanceType"] = tmpl["resource"]["instanceType"]
    return {
        "apiVersion": iset.get("apiVersion", "kaito.sh/v1beta1"),
        "kind": "Workspace",
        "metadata": {
            "name": f"{meta['name']}-{index}", "namespace": meta["namespace"], "labels": labels,
            "ownerReferences": [{"apiVersion": iset.get("apiVersion", "kaito.sh/v1beta1"), "kind": "InferenceSet",
                                 "name": meta["name"], "uid": meta["uid"], "controller": True,
                                 "blockOwnerDeletion": True}],
        },
        "resource": resource,
        "inference": tmpl.get("inference") or {},
    }
