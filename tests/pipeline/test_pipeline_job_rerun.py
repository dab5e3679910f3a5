"""A persisted job run again after its process died (issue 12: the request was claimed with the job before the
ack) records the person's request once and opens one change, however many times it runs."""
from __future__ import annotations

from bot.pipeline import Request
from tests.pipeline.pipeline_helpers import ALICE, events

TEXT = "deploy gemma 3 4b as rerun-check on aks-westus3-staging-1"


def _run_job(pipe, delivery: str):
    return pipe.handle(Request(actor=ALICE, text=TEXT, channel="C0TEST", delivery_id=delivery, claimed=True))


def test_a_job_run_twice_records_its_request_once(make_pipeline):
    pipe = make_pipeline()
    pipe.store.claim_delivery("slack:command:rerun.1")  # what the ack did with the job
    _run_job(pipe, "slack:command:rerun.1")
    _run_job(pipe, "slack:command:rerun.1")
    assert len([e for e in events(pipe.store, event="request") if e.message == TEXT]) == 1


def test_two_jobs_record_two_requests(make_pipeline):
    pipe = make_pipeline()
    _run_job(pipe, "slack:command:rerun.2")
    _run_job(pipe, "slack:command:rerun.3")
    assert len([e for e in events(pipe.store, event="request") if e.message == TEXT]) == 2
