"""Text of argument validation errors (one sentence each, naming what to fix)."""

NO_CLUSTER_NAMES = "give at least one cluster name"
BAD_SINCE = "'{value}' is not a time: use an ISO date (2026-11-01) or a span like 24h, 7d"
BAD_NAME = ("'{value}' is not a valid name: use at most 63 lower-case letters, digits and '-', starting and ending "
            "with a letter or digit")
