"""The registry is the only list of tools and ``bot.toolbox.run`` the only dispatcher.

Checked from the source (AST and text, independently of the registry's own discovery): every module that
declares ``TOOL`` is registered and nothing else is; tool names appear as string literals only in their own
module; dispatch works for every read-only tool over the demo snapshot and the store tools over a real
SQLite file; the tools package has no import cycle; argument validation reads the catalog it is given.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from audit.store import open_store
from bot import toolbox
from tools.args import PlanPlacementArgs
from tools.catalog import Catalog, default_catalog
from tools.context import ToolContext
from tools.errors import InvalidRequest, UnknownName
from tools.placement import plan_placement
from tools.plan import Plan
from tools.registry import Registry, UnknownTool, explain

ROOT = Path(__file__).resolve().parents[2]
TOOL_PACKAGES = {"tools": ROOT / "tools", "bot.storetools": ROOT / "bot" / "storetools"}

# Files that still spell tool names. prompts/examples.yaml stays: worked examples (requests and the calls they
# expect) are test data. The front-end entries go when their owners switch to the registry (Slack results
# dispatch on result types, the audit shortcuts name the tool through its module's TOOL).
PENDING = {
    "prompts/examples.yaml",  # example requests and audit actions, not a list of tools
}
# Words a person types that are also tool names, in the offline interpreter's word tables (the typo fixer's
# keywords, verbs that are not a place): vocabulary, not a list of tools. Only these words, only there.
WORDS = {"bot/interpreter/lexicon.py": {"deploy", "move", "rollback", "undeploy"}}


def declared_tools() -> dict[str, str]:
    """module -> the name its top-level ``TOOL = Tool("name", ...)`` declares, read from the source."""
    out = {}
    for pkg, folder in TOOL_PACKAGES.items():
        for path in sorted(folder.glob("*.py")):
            for node in ast.parse(path.read_text()).body:
                target = node.target if isinstance(node, ast.AnnAssign) else (
                    node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None)
                if isinstance(target, ast.Name) and target.id == "TOOL":
                    call = node.value
                    assert isinstance(call, ast.Call) and isinstance(call.args[0], ast.Constant), path
                    out[f"{pkg}.{path.stem}"] = call.args[0].value
    return out


def test_the_registry_lists_exactly_the_modules_that_declare_a_tool():
    declared = declared_tools()
    assert sorted(toolbox.TOOLS) == sorted(declared.values())


def test_each_tool_is_declared_in_the_module_of_its_handler():
    declared = declared_tools()
    assert {t.handler.__module__: t.name for t in toolbox.TOOLS.values()} == declared


def test_a_tool_name_is_spelled_only_in_its_own_module():
    found = set()
    for folder in ("bot", "tools", "prompts"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".py", ".yaml", ".md", ".txt") or "__pycache__" in path.parts:
                continue
            if path.is_relative_to(ROOT / "tools" / "embedded"):  # the simulated API server: JSON-patch "move"
                continue
            text = path.read_text(encoding="utf-8")
            for tool in toolbox.TOOLS.values():
                home = tool.handler.__module__.replace(".", "/") + ".py"
                rel = path.relative_to(ROOT).as_posix()
                if tool.name in WORDS.get(rel, ()):
                    continue
                if rel != home and re.search(rf"[\"']{tool.name}[\"']", text):
                    found.add(rel)
    assert found - PENDING == set()


def test_views():
    assert set(toolbox.read_only()) | set(toolbox.mutating()) == set(toolbox.TOOLS)
    assert not set(toolbox.read_only()) & set(toolbox.mutating())
    assert all(toolbox.get(n).mutating for n in toolbox.mutating())
    assert {t.source for t in toolbox.TOOLS.values()} == {"fleet", "store"}
    assert all(t.description for t in toolbox.TOOLS.values()), "the interpreter and --help show it"


def test_unknown_tool_names_the_known_ones():
    with pytest.raises(UnknownTool) as e:
        toolbox.get("list_cluster")
    assert all(name in str(e.value) for name in toolbox.TOOLS)


# --- dispatch -------------------------------------------------------------------------------------------
def example_args(name: str, snapshot) -> dict:
    """Valid arguments for a read-only fleet tool: its required ones, taken from the demo snapshot."""
    required = set(toolbox.get(name).required)
    if not required:
        return {}
    if required == {"model"}:
        return {"model": snapshot.deployments[0].model}
    if required == {"name"}:  # a cluster or a deployment: whichever the tool knows
        for candidate in (snapshot.clusters[0].name, snapshot.deployments[0].name):
            try:
                toolbox.run(name, {"name": candidate}, ToolContext.of_snapshot(snapshot, default_catalog()))
                return {"name": candidate}
            except UnknownName:
                continue
    raise AssertionError(f"add example arguments for {name} (required: {sorted(required)})")


FLEET_READ = [n for n in toolbox.read_only() if toolbox.get(n).source == "fleet"]


@pytest.mark.parametrize("name", FLEET_READ)
def test_dispatch_of_each_read_only_fleet_tool_over_the_demo_snapshot(snapshot, catalog, name):
    result = toolbox.run(name, example_args(name, snapshot), ToolContext.of_snapshot(snapshot, catalog))
    assert json.loads(json.dumps(result.to_json(), default=str))
    assert result.render().strip()


def test_dispatch_validates_raw_arguments_and_accepts_validated_ones(snapshot, catalog):
    ctx = ToolContext.of_snapshot(snapshot, catalog)
    raw = toolbox.run("plan_placement", {"model": "phi 4", "count": 2}, ctx)
    typed = toolbox.run("plan_placement", PlanPlacementArgs(model="phi-4", count=2), ctx)
    assert raw.to_json() == typed.to_json()
    with pytest.raises(ValidationError):
        toolbox.run("plan_placement", {"model": "phi-4", "count": 0}, ctx)


def test_a_mutating_tool_dispatches_to_a_plan_without_writing(demo):
    _, fleet = demo
    plan = toolbox.run("undeploy", {"deployment": "mistral-eu"}, ToolContext(fleet.catalog, fleet=fleet))
    assert isinstance(plan, Plan) and plan.tool == "undeploy"
    assert fleet.snapshot().deployment("mistral-eu") is not None


def test_store_tools_read_the_store_they_are_given(tmp_path):
    store = open_store(tmp_path / "fleetops.db")
    try:
        ctx = ToolContext(default_catalog(), store=store)
        store.audit.record("error", actor="U024BE7LH", message="boom")
        assert toolbox.run("list_changes", {}, ctx).to_json() == {"changes": []}
        events = toolbox.run("search_audit", {"actor": "u024be7lh"}, ctx).to_json()["events"]
        assert [e["message"] for e in events] == ["boom"]
        with pytest.raises(UnknownName):
            toolbox.run("get_change", {"id": "#42"}, ctx)
    finally:
        store.close()


def test_a_store_tool_without_a_store_says_so():
    with pytest.raises(RuntimeError, match="store"):
        toolbox.run("list_changes", {}, ToolContext(default_catalog()))


# --- one validation, the catalog passed in, no cycles -----------------------------------------------------
def test_validation_resolves_models_against_the_catalog_it_is_given():
    full = default_catalog()
    only_phi = Catalog(full.skus, [m for m in full.models if m.preset == "microsoft/phi-4"])
    assert toolbox.validate("plan_placement", {"model": "phi 4"}, only_phi).model == "microsoft/phi-4"
    with pytest.raises(ValidationError):
        toolbox.validate("plan_placement", {"model": "llama 3.1 8b"}, only_phi)
    assert toolbox.validate("plan_placement", {"model": "llama 3.1 8b"}, full).model


def test_placement_arguments_are_validated_by_the_tool_argument_model(snapshot, catalog):
    with pytest.raises(ValidationError) as by_args:
        PlanPlacementArgs(model="phi-4", prefer="fastest")
    with pytest.raises(InvalidRequest) as by_placement:
        plan_placement(snapshot, catalog, {"model": "phi-4", "prefer": "fastest"})
    assert explain(by_args.value) in str(by_placement.value)


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):  # anywhere: function-level imports count too
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out


def test_the_tools_package_has_no_import_cycle_and_no_import_of_bot():
    modules = {}
    for path in (ROOT / "tools").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "embedded" in parts:  # the embedded API server is a world of its own
            continue
        modules[".".join(p for p in parts if p != "__init__")] = path
    graph = {m: {d for d in _imports(p) if d in modules and d != m} for m, p in modules.items()}
    assert not any(d.startswith("bot") for p in modules.values() for d in _imports(p))
    done: set[str] = set()

    def visit(m: str, path: tuple[str, ...]) -> None:
        assert m not in path, " -> ".join((*path, m))
        if m in done:
            return
        for d in graph[m]:
            visit(d, (*path, m))
        done.add(m)

    for m in sorted(graph):
        visit(m, ())


def test_placement_and_errors_need_no_type_checking_tricks():
    for name in ("errors", "placement", "placement_eval", "placement_explain", "placement_request",
                 "placement_result"):
        assert "TYPE_CHECKING" not in (ROOT / "tools" / f"{name}.py").read_text(), name


def test_a_registry_of_one_package_dispatches_the_same_way(snapshot, catalog):
    tools_only = Registry.discover("tools")
    assert set(tools_only) == {n for n in toolbox.TOOLS if toolbox.get(n).source == "fleet"}
    ctx = ToolContext.of_snapshot(snapshot, catalog)
    assert tools_only.run("list_clusters", {}, ctx).to_json() == toolbox.run("list_clusters", {}, ctx).to_json()


def test_the_tools_registry_does_not_reach_into_bot_even_dynamically():
    import tools.registry as module

    assert not [n for n in ("TOOLS", "READ_ONLY", "MUTATING", "get", "validate") if hasattr(module, n)]
    assert "bot" not in {m.split(".")[0] for m in _imports(ROOT / "tools" / "registry.py")}
    assert not hasattr(module, "__getattr__"), "no forwarding of missing names to anything"


def test_prompt_hints_only_word_tools_the_registry_has():
    """prompts/tools.yaml adds prose for the language model to tools the registry declares; it never lists a
    tool of its own (a key nothing declares would be a second list of tools)."""
    import yaml

    from bot.interpreter import toolset

    hints = yaml.safe_load((ROOT / "prompts" / "tools.yaml").read_text())["tools"]
    pseudo = {"clarify", "refuse"}  # the interpreter's own answers, offered to the model beside the tools
    assert set(hints) - set(toolset.names()) - pseudo == set()
