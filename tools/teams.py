"""Which team owns a deployment: the ``fleetops.dev/team`` label on its hub namespace (set by ``deploy``'s
``team`` argument when the deployment is created), else "unowned". Pure."""
from __future__ import annotations

from tools.fleet.models import Deployment
from tools.messages import tools as M

TEAM_LABEL = "fleetops.dev/team"


def team_of(dep: Deployment) -> str:
    return dep.labels.get(TEAM_LABEL) or M.UNOWNED
