"""The package's imports form no cycle: stages import only downward.

The graph is read from the source with ``ast``, so it includes what a run may import later:
imports inside functions, ``TYPE_CHECKING`` blocks, and the dynamic imports of the registries (a
string constant naming a ``harness`` module, ``"harness.scorers.coverage:FactCoverageScorer"``,
or an f-string whose constant head names a package, ``f"harness.commands.{name}"``, which stands
for every module of that package).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "harness"


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _owner(name: str, modules: dict[str, Path]) -> str | None:
    """The module a dotted name lives in (``harness.pipeline.run_eval`` -> ``harness.pipeline``)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _targets(node: ast.AST, package: str, modules: dict[str, Path]) -> list[str]:
    """Dotted names one AST node imports, statically or through a registry string."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            parts = package.split(".")[:len(package.split(".")) - node.level + 1]
            base = ".".join(parts + ([base] if base else []))
        return [base] + [f"{base}.{a.name}" for a in node.names]
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("harness."):
        return [node.value.partition(":")[0]]
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        head = str(node.values[0].value)
        if head.startswith("harness.") and head.endswith("."):
            return [m for m in modules if m.startswith(head)]
    return []


def import_graph() -> dict[str, set[str]]:
    """Module -> the ``harness`` modules it imports. Importing ``a.b.c`` runs ``a`` and ``a.b``
    first, so those count too, except the importer's own packages: Python has loaded them
    before the importer, so a module reaching its siblings through its package adds no edge."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        parts = module.split(".")
        own_packages = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for name in _targets(node, package, modules):
                owner = _owner(name, modules) if name.startswith("harness") else None
                while owner and owner not in own_packages:
                    graph[module].add(owner)
                    owner = owner.rpartition(".")[0]
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_graph_sees_static_lazy_and_registry_imports():
    graph = import_graph()
    assert "harness.records" in graph["harness.gold"]  # a top-level import
    assert "harness.scorers.coverage" in graph["harness.scorers"]  # a registry string
    assert "harness.commands.eval" in graph["harness.cli"]  # an f-string over a package


def test_cycles_are_found_when_present():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_package_has_no_import_cycle():
    assert cycles(import_graph()) == []


def test_no_module_is_over_400_lines_and_the_orchestrator_is_short():
    sizes = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in _modules().items()}
    assert [m for m, n in sizes.items() if n > 400] == []
    assert sizes["harness.pipeline"] < 200
