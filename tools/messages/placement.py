"""Words of the summaries of large answers: placement rejections grouped by reason, inventory by status."""
from __future__ import annotations

SUMMARY_TITLE = "Rejected: {n:,} {clusters}, by reason:"
SUMMARY_GROUP = "  {count}  {label}, e.g."
SUMMARY_MORE = "      … and {n:,} more"
SUMMARY_ALL = "(every rejected cluster with its reason: add --all to the request, in Slack too)"

# what the filters a rejection failed mean, in a few words (the keys are the ``failed_filters`` names)
FILTER_WORDS = {
    "outranked": "fit, but others ranked first",
    "unknown_cluster": "unknown cluster names",
    "clusters": "not among the requested clusters",
    "exclude": "excluded by the request",
    "eligibility": "ineligible (not joined, no heartbeat or not eligible)",
    "taint": "tainted",
    "environment": "another environment",
    "geo": "another geo",
    "region": "another region",
    "provider": "another provider",
    "gpu": "no such GPU",
    "instance_type": "no such instance type",
    "model": "the model does not fit its instance types",
    "capacity": "not enough free nodes",
    "max_cost_per_hour": "over the cost cap",
}


def group_label(filters: list[str]) -> str:
    return " + ".join(FILTER_WORDS.get(f, f) for f in filters) or "rejected"


CLUSTERS_SUMMARY = "{n:,} cluster(s){filters}: {statuses}."
CLUSTERS_GPUS = "Free GPUs: {gpus}."
CLUSTERS_GPU = "{gpu} {free:,} of {cap:,}"
CLUSTERS_GROUP = "  {count} {status}, e.g."
CLUSTERS_FIRST = "The first {n} by name:"
CLUSTERS_ALL = ("(every cluster: add --all to the request, in Slack too; or narrow it down with filters such as "
                "region, environment, gpu or status)")
