"""Simulated controllers of the embedded fleet: KubeFleet's hub and member agents (``kubefleet``),
KAITO on every member (``kaito``), member heartbeats (``heartbeat``) and fault injection (``faults``).
They run as threads fed by store events; ``base.Activity`` tells when all of them are idle."""
