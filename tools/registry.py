"""The tool registry: each tool's name, description, argument model, and whether it mutates.

The interpreter binds tools from here (LLM tool schemas come from the argument models), the CLI
parses ``--arg value`` against them, and the pipeline asks ``mutating`` to decide between replying
with a result and opening a change request.
"""
from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from tools import args as a


@dataclass(frozen=True)
class ToolSpec:
    name: str
    args: type[a.Args]
    mutating: bool
    description: str
    required: tuple[str, ...] = ()

    def validate(self, raw: dict) -> a.Args:
        """Validate raw arguments; raises ``pydantic.ValidationError``."""
        return self.args.model_validate(raw)


def _spec(name: str, model: type[a.Args], mutating: bool) -> ToolSpec:
    required = tuple(n for n, f in model.model_fields.items() if f.is_required())
    return ToolSpec(name, model, mutating, (model.__doc__ or "").strip(), required)


TOOLS: dict[str, ToolSpec] = {
    s.name: s
    for s in (
        _spec("list_clusters", a.ListClustersArgs, False),
        _spec("get_cluster", a.GetClusterArgs, False),
        _spec("list_deployments", a.ListDeploymentsArgs, False),
        _spec("get_deployment", a.GetDeploymentArgs, False),
        _spec("plan_placement", a.PlanPlacementArgs, False),
        _spec("list_changes", a.ListChangesArgs, False),
        _spec("get_change", a.GetChangeArgs, False),
        _spec("search_audit", a.SearchAuditArgs, False),
        _spec("deploy", a.DeployArgs, True),
        _spec("rollback", a.RollbackArgs, True),
        _spec("undeploy", a.UndeployArgs, True),
    )
}

READ_ONLY = tuple(n for n, s in TOOLS.items() if not s.mutating)
MUTATING = tuple(n for n, s in TOOLS.items() if s.mutating)


class UnknownTool(KeyError):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"unknown tool '{self.name}'; tools: {', '.join(TOOLS)}"


def get(name: str) -> ToolSpec:
    try:
        return TOOLS[name]
    except KeyError:
        raise UnknownTool(name) from None


def validate(name: str, raw: dict) -> a.Args:
    return get(name).validate(raw)


def explain(err: ValidationError) -> str:
    """One plain sentence per problem, naming the argument: what the user should fix."""
    parts = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e.get("loc", ()) if not isinstance(x, int)) or "arguments"
        msg = e.get("msg", "invalid")
        msg = msg.removeprefix("Value error, ")
        if e.get("type") == "extra_forbidden":
            msg = "is not an argument of this tool"
        elif e.get("type") == "missing":
            msg = "is required"
        elif e.get("type") == "enum":
            ctx = e.get("ctx") or {}
            msg = f"must be one of {ctx.get('expected', '')}"
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts)
