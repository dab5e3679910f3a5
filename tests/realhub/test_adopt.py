"""A namespace fleetops did not create: refused with how to adopt it, and adopted only when asked, explicitly and
on the record (the plan's args, intent and base), on the embedded hub through the real client."""
from __future__ import annotations

import pytest

from bot import toolbox
from tools.args import DeployArgs
from tools.context import ToolContext
from tools.errors import InvalidRequest
from tools.executor import Executor
from tools.fleet import conventions as cv
from tools.fleet.models import ObjectRef

NAME = "team-llm"
DEV = "aks-centralindia-dev-1"


def _plan(fleet, **extra):
    args = DeployArgs(model="phi-4-mini", name=NAME, clusters=[DEV], **extra)
    return toolbox.run("deploy", args, ToolContext(catalog=fleet.catalog, fleet=fleet))


@pytest.fixture
def foreign(fresh):
    emb, fleet = fresh
    # made by someone else (a plain create, not fleetops' server-side apply)
    fleet.hub.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAME, "labels": {"team": "ml"}}})
    return emb, fleet


def test_a_foreign_namespace_is_refused_with_how_to_adopt_it(foreign):
    _, fleet = foreign
    with pytest.raises(InvalidRequest) as e:
        _plan(fleet)
    assert NAME in str(e.value)
    assert "adopt" in str(e.value)


def test_adopting_is_explicit_recorded_and_labels_the_namespace(foreign):
    _, fleet = foreign
    plan = _plan(fleet, adopt=True)
    assert plan.args["adopt"] is True  # recorded with the change request and in the audit log's plan event
    assert plan.intent is not None and "adopts the existing namespace" in plan.intent.text
    assert plan.base[f"Namespace/{NAME}"] is not None  # the namespace as seen now: a change to it makes it stale
    out = Executor(fleet, timeout=60, poll=0.05).apply(plan)
    assert out.status == "succeeded", out.message
    labels = fleet.get(ObjectRef("Namespace", NAME))["metadata"]["labels"]
    assert labels[cv.DEPLOYMENT_LABEL] == NAME
    assert labels["team"] == "ml"  # what was there stays


def test_adopt_without_a_foreign_namespace_is_refused(fresh):
    _, fleet = fresh
    with pytest.raises(InvalidRequest) as e:
        _plan(fleet, adopt=True)
    assert "nothing to adopt" in str(e.value)
