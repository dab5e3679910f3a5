"""A soak between stages in the offline rules: the duration however it is said fills ``soak`` (a KubeFleet
waitTime), "between stages" / "after each" implies stages, and a soak without stages, or one that cannot be a
soak (zero, over a day), is a question, never a silent drop."""
from __future__ import annotations

import pytest

from bot.interpreter import Context, Vocabulary
from tools.fleet.models import Deployment, Revision

DEV, STAGING, PROD = "aks-centralindia-dev-1", "aks-westus3-staging-1", "aks-eastus-prod-1"


@pytest.fixture(scope="module")
def ask3(offline, snapshot, catalog_models):
    """The offline interpreter on the demo fleet plus mistral-all (revision 2) in dev, staging and prod."""
    old, new = catalog_models
    revs = [Revision(revision=n, model=m, instance_type="Standard_NC24ads_A100_v4", clusters=[DEV, STAGING, PROD])
            for n, m in ((1, old), (2, new))]
    dep = Deployment(name="mistral-all", model=new, instance_type="Standard_NC24ads_A100_v4", revision=2,
                     clusters=[DEV, STAGING, PROD], revisions=revs)
    vocab = Vocabulary.from_snapshot(snapshot.model_copy(update={"deployments": [*snapshot.deployments, dep]}))

    def _ask(text: str) -> dict:
        return offline.interpret(text, Context(who="U0TESTER1", vocabulary=vocab, history=[])).to_json()

    return _ask


@pytest.fixture(scope="module")
def catalog_models():
    from tools.catalog import default_catalog

    cat = default_catalog()
    return cat.resolve("mistral-7b-instruct").preset, cat.resolve("ministral-3-8b-instruct").preset


@pytest.mark.parametrize(("text", "soak"), [
    ("update mistral-all to ministral 3 8b in stages dev, staging, prod with a 10 minute soak", "10m"),
    ("update mistral-all to ministral 3 8b in stages dev, staging, prod, soak 1h between stages", "1h"),
    ("upgrade mistral-all to ministral 3 8b in stages dev, staging, prod with a ten-minute bake", "10m"),
    ("switch mistral-all to ministral 3 8b in stages dev, staging, prod and wait 90 seconds after each stage",
     "1m30s"),
    ("update mistral-all to ministral 3 8b in stages dev, staging, prod, soak time of 1 hour 30 minutes", "1h30m"),
])
def test_a_staged_update_with_a_soak_fills_soak(ask3, text, soak):
    got = ask3(text)
    assert (got["tool"], got["args"].get("stages"), got["args"].get("soak")) == (
        "deploy", ["dev", "staging", "prod"], soak)


def test_a_staged_rollback_soaking_after_each_stage_fills_soak(ask3):
    got = ask3("roll mistral-all back in stages, soaking 30m after each")
    assert got == {"kind": "tool_call", "tool": "rollback",
                   "args": {"deployment": "mistral-all", "stages": ["dev", "staging", "prod"], "soak": "30m"}}


def test_a_soak_between_stages_asks_for_stages_by_itself(ask3):
    got = ask3("update mistral-all to ministral 3 8b, soak 20 minutes between stages")
    assert (got["args"].get("stages"), got["args"].get("soak")) == (["dev", "staging", "prod"], "20m")


def test_the_soak_number_is_not_read_as_anything_else(ask3):
    got = ask3("update mistral-all to ministral 3 8b in stages dev, staging, prod with a 10 minute soak")
    assert set(got["args"]) == {"model", "name", "stages", "soak"}


def test_a_soak_without_stages_asks_to_add_stages(ask3):
    got = ask3("update mistral-all to ministral 3 8b with a 10 minute soak")
    assert (got["kind"], "in stages" in got["question"]) == ("clarify", True)


def test_a_new_deployment_with_a_soak_and_no_stages_is_named_in_the_question(ask3):
    got = ask3("deploy phi-4 to aks-eastus-prod-2 with a 1h soak")
    assert "phi-4" in got["question"]


def test_a_soak_longer_than_a_day_asks_how_long(ask3):
    got = ask3("update mistral-all to ministral 3 8b in stages dev, staging, prod with a soak of 2 days")
    assert (got["kind"], "at most 24h" in got["question"]) == ("clarify", True)


def test_a_staged_update_without_a_soak_has_none(ask3):
    got = ask3("update mistral-all to ministral 3 8b in stages dev, staging, prod")
    assert "soak" not in got["args"]
