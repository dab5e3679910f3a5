"""Text of argument validation errors (one sentence each, naming what to fix)."""

NO_CLUSTER_NAMES = "give at least one cluster name"
BAD_SINCE = "'{value}' is not a time: use an ISO date (2026-11-01) or a span like 24h, 7d"
BAD_NAME = ("'{value}' is not a valid name: use at most 63 lower-case letters, digits and '-', starting and ending "
            "with a letter or digit")
NO_STAGES = "give at least one stage (an environment: dev, staging, prod)"
BAD_SOAK = ("soak '{value}' is not a duration: give hours, minutes or seconds, e.g. 10m, 1h, 90s or 1h30m")
SOAK_NOT_POSITIVE = "soak '{value}' is not positive: give a wait of at least 1s between stages (e.g. 10m), or no soak"
SOAK_TOO_LONG = "soak '{value}' is longer than 24h: give at most 24h between stages"
SOAK_WITHOUT_STAGES = ("a soak ({soak}) is a wait between stages: add stages (e.g. 'in stages dev, staging, prod') "
                       "or drop the soak")
REPEATED_STAGE = "stage '{value}' is named twice: give each environment once, in rollout order"
CLUSTERS_AND_ADD = ("give either clusters (run only there) or add_clusters (also run there, keep the rest), "
                    "not both")
AUTOSCALE_RANGE_MISSING = "give both min_replicas and max_replicas (or enabled=false to turn autoscaling off)"
AUTOSCALE_MIN_ABOVE_MAX = "min_replicas ({min}) is above max_replicas ({max}): give min <= max"
