"""The import contract: modules of `flows/` import one way, down the layers below, and never in
a cycle. Every import counts, those inside functions too (a lazy import is still a dependency).
Adding a module means placing it in a layer here; the README's Layout section shows the same."""

from __future__ import annotations

import ast
from pathlib import Path

FLOWS = Path(__file__).resolve().parents[1] / "flows"

# top to bottom: a module may import modules of its own layer or a lower one, never a higher one
LAYERS = [
    ("standby", ["flows.standby"]),
    ("command line", ["flows.cli"]),
    ("operations", ["flows.ops"]),
    ("flows", ["flows.pipeline"]),
    ("demo data", ["flows.demo", "flows.demo_exports"]),
    ("running", ["flows.local_server", "flows.workers", "flows.preload", "flows.writer", "flows.alerts", "flows.tether",
                 "flows.reminders", "flows.report_delivery", "flows.delivery"]),
    ("reports", ["flows.report"]),
    ("warehouse", ["flows.load", "flows.publish", "flows.problems", "flows.metrics", "flows.warehouse",
                   "flows.dictionary"]),
    ("validation", ["flows.validate", "flows.docs_assets"]),
    ("extraction", ["flows.extract"]),
    ("inbox", ["flows.inbox"]),
    ("base", ["flows.contracts", "flows.periods", "flows.rules", "flows.recipients", "flows.settings"]),
]


def modules() -> dict[str, Path]:
    found = {}
    for path in FLOWS.rglob("*.py"):
        name = ".".join(path.relative_to(FLOWS.parent).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


def imports(path: Path, known: set[str]) -> set[str]:
    """The flows modules a file imports, anywhere in it."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("flows"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                out.add(candidate if candidate in known else node.module)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names if alias.name.startswith("flows"))
    return {name for name in out if name in known}


def layer_of(module: str) -> int:
    for index, (_, members) in enumerate(LAYERS):
        if any(module == m or module.startswith(m + ".") for m in members):
            return index
    raise AssertionError(f"{module} is in no layer of tests/test_architecture.py: place it")


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(path, set(found)) - {name} for name, path in found.items()}


def test_every_module_imports_only_its_own_layer_or_those_below():
    wrong = [f"{module} ({LAYERS[layer_of(module)][0]}) imports {dependency} ({LAYERS[layer_of(dependency)][0]})"
             for module, dependencies in graph().items() for dependency in sorted(dependencies)
             if layer_of(dependency) < layer_of(module)]
    assert wrong == []


def test_no_modules_import_each_other_in_a_cycle():
    edges = graph()
    cycles, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                cycles.append(" → ".join(path[path.index(nxt):] + [node, nxt]) if nxt in path else f"{node} → {nxt}")
            elif nxt not in state:
                visit(nxt, path + [node])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    assert cycles == []


def test_the_contract_can_fail(tmp_path):
    """The checks above see a planted upward import and a planted cycle."""
    upward = tmp_path / "contracts.py"
    upward.write_text("def f():\n    from flows.pipeline import ingest\n")
    assert imports(upward, set(modules())) == {"flows.pipeline"}
    assert layer_of("flows.pipeline") < layer_of("flows.contracts")
