"""Channel scopes (``scopes`` in the policy), pure: what a request sees and may change.

A channel listed in a scope's ``channels`` gets that scope. A DM (a channel id starting with D, the terminal, no
channel) or a channel no scope lists follows the person: the scopes listing one of their groups in ``groups``
(several: what any of them allows); when none does, the whole fleet. A scope limits ``environments``,
``cluster_labels`` (every label must match) and ``teams`` (owners of deployments); an empty field limits nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.identity import Actor, groups_of
from bot.messages import policy as msg
from bot.policy.rules import Policy
from bot.policy.shape import Scope
from tools.fleet.models import Cluster, Deployment, FleetSnapshot
from tools.teams import team_of


@dataclass(frozen=True)
class Reach:
    """The scopes that apply to one request (empty: the whole fleet), and why (``rule``)."""

    names: tuple[str, ...] = ()
    scopes: tuple[Scope, ...] = ()
    rule: str = ""
    via: str = ""  # "channel C0.." or "your groups"

    @property
    def whole_fleet(self) -> bool:
        return not self.scopes

    def label(self) -> str:
        return msg.AND.join(f"'{n}'" for n in self.names)

    def sees_cluster(self, c: Cluster) -> bool:
        return self.whole_fleet or any(_cluster_in(s, c) for s in self.scopes)

    def sees_team(self, team: str) -> bool:
        return self.whole_fleet or any(not s.teams or team in s.teams for s in self.scopes)


def _cluster_in(s: Scope, c: Cluster) -> bool:
    if s.environments and (c.environment or "").lower() not in s.environments:
        return False
    return all(c.labels.get(k) == v for k, v in s.cluster_labels.items())


def is_dm(channel: str | None) -> bool:
    return not channel or channel == "terminal" or channel.startswith("D")


def reach(policy: Policy, actor: Actor, channel: str | None) -> Reach:
    """The scope of a request by ``actor`` in ``channel``."""
    if not policy.scopes:
        return Reach()
    if not is_dm(channel):
        named = [(n, s) for n, s in policy.scopes.items() if channel in s.channels]
        if named:
            return Reach(tuple(n for n, _ in named), tuple(s for _, s in named),
                         ", ".join(f"scopes.{n}.channels" for n, _ in named), msg.SCOPE_VIA_CHANNEL.format(channel=channel))
    mine = groups_of(policy, actor)
    named = [(n, s) for n, s in policy.scopes.items() if mine & set(s.groups)]
    if not named:
        return Reach()
    return Reach(tuple(n for n, _ in named), tuple(s for _, s in named),
                 ", ".join(f"scopes.{n}.groups" for n, _ in named), msg.SCOPE_VIA_GROUPS)


def _visible(r: Reach, d: Deployment, clusters: set[str]) -> bool:
    if not r.sees_team(team_of(d)):
        return False
    return not d.clusters or any(c in clusters for c in d.clusters)


def scoped_snapshot(snap: FleetSnapshot, r: Reach) -> FleetSnapshot:
    """The snapshot as the scope sees it: its clusters, and the deployments of its teams on them (their clusters
    and states cut to the scope)."""
    if r.whole_fleet:
        return snap
    clusters = [c for c in snap.clusters if r.sees_cluster(c)]
    names = {c.name for c in clusters}
    deps = [d.model_copy(update={"clusters": [c for c in d.clusters if c in names],
                                 "states": [s for s in d.states if s.cluster in names]})
            for d in snap.deployments if _visible(r, d, names)]
    shown = {d.name for d in deps}
    clusters = [c.model_copy(update={"deployments": [n for n in c.deployments if n in shown]}) for c in clusters]
    return snap.model_copy(update={"clusters": clusters, "deployments": deps})


def outside(snap: FleetSnapshot, r: Reach, clusters: list[str], deployment: str | None) -> list[str]:
    """What a plan touches outside the scope, in words (empty: all inside)."""
    if r.whole_fleet:
        return []
    out = []
    for name in clusters:
        c = snap.cluster(name)
        if c is None or not r.sees_cluster(c):
            env = c.environment if c is not None and c.environment else "?"
            out.append(msg.SCOPE_OUT_CLUSTER.format(cluster=name, env=env))
    dep = snap.deployment(deployment) if deployment else None
    if dep is not None and not r.sees_team(team_of(dep)):
        out.append(msg.SCOPE_OUT_TEAM.format(deployment=dep.name, team=team_of(dep)))
    return out
