"""The house rules: no import cycle, and no import running back up a layer.

Every ``import`` in ``optimizer/``, ``app_pages/`` and ``app.py`` counts, the
lazy ones inside functions included (a lazy import still ties two modules).
The layers, bottom up (README § Layout):

    schema, cells, errors, atomic, scenario → reader → data → model →
    solution, certify, highs_adapter, starts, solve → results → outputs, report, summary,
    workbook_writer → pipeline → analysis → cli, workbench → app_pages, app

A module may import from its own layer or any layer below; within a layer,
no cycles.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

#: (module or package prefix, layer); the longest matching prefix decides.
LAYERS: tuple[tuple[str, float], ...] = (
    ("optimizer", 0),  # the package itself: __version__
    ("optimizer.schema", 0), ("optimizer.cells", 0), ("optimizer.errors", 0), ("optimizer.atomic", 0), ("optimizer.scenario", 0),
    ("devtools.generators", 0),  # workbook generators for tests and benchmarks: no optimizer imports
    ("optimizer.reader", 1),
    ("optimizer.data", 2),
    ("optimizer.model", 3),
    ("optimizer.solution", 4), ("optimizer.certify", 4), ("optimizer.highs_adapter", 4), ("optimizer.starts", 4), ("optimizer.solve", 4),
    ("optimizer.results", 5),
    ("optimizer.outputs", 6), ("optimizer.report", 6), ("optimizer.summary", 6), ("optimizer.workbook_writer", 6),
    ("optimizer.pipeline", 7),
    ("optimizer.analysis", 8),
    ("optimizer.cli", 9), ("optimizer.workbench", 9), ("optimizer.__main__", 9),
    ("app_pages", 10), ("app", 10),
)


def module_sources(root: Path = ROOT) -> dict[str, str]:
    """Module name → source, for optimizer/, app_pages/ and app.py."""
    sources = {}
    for package in ("optimizer", "app_pages"):
        for path in sorted((root / package).rglob("*.py")):
            name = ".".join(path.relative_to(root).with_suffix("").parts)
            sources[name.removesuffix(".__init__")] = path.read_text()
    sources["app"] = (root / "app.py").read_text()
    return sources


def import_graph(sources: dict[str, str]) -> dict[str, set[str]]:
    """Module → the modules of ``sources`` it imports (anywhere in its code)."""

    def known(name: str) -> str | None:
        while name and name not in sources:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for module, text in sources.items():
        package = module if module in {m.rpartition(".")[0] for m in sources} else module.rpartition(".")[0]
        deps = set()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                deps.update(filter(None, (known(a.name) for a in node.names)))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the module's package upwards
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
                for alias in node.names:
                    target = known(f"{base}.{alias.name}") or known(base)
                    if target:
                        deps.add(target)
        deps.discard(module)
        graph[module] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def layer_of(module: str) -> float | None:
    matches = [(len(prefix), layer) for prefix, layer in LAYERS if module == prefix or module.startswith(prefix + ".")]
    return max(matches)[1] if matches else None


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{m} (layer {layer_of(m)}) imports {d} (layer {layer_of(d)})"
                  for m, deps in graph.items() for d in deps if layer_of(d) > layer_of(m))


@pytest.fixture(scope="module")
def graph():
    return import_graph(module_sources())


def test_every_module_has_a_layer(graph):
    assert [m for m in graph if layer_of(m) is None] == []


def test_no_import_cycle(graph):
    assert cycles(graph) == []


def test_no_import_runs_back_up_a_layer(graph):
    assert upward_imports(graph) == []


def test_the_checks_can_fail():
    """The same functions on small inline packages: a cycle through a lazy import, and an upward import."""
    sources = {
        "optimizer.solve": "def f():\n    from optimizer.results import build_results\n",
        "optimizer.results": "from optimizer.solve import Solution\n",
        "optimizer.data": "import optimizer.cli\n",
        "optimizer.cli": "from optimizer import data\n",
    }
    g = import_graph(sources)
    assert g["optimizer.solve"] == {"optimizer.results"}
    assert ["optimizer.results", "optimizer.solve"] in cycles(g)
    assert "optimizer.data (layer 2) imports optimizer.cli (layer 9)" in upward_imports(g)
    assert "optimizer.results (layer 5) imports optimizer.solve (layer 4)" not in upward_imports(g)


def _imported_roots(folder: Path) -> dict[str, set[str]]:
    """File → the top-level packages it imports."""
    out = {}
    for path in sorted(folder.rglob("*.py")):
        roots = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                roots.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                roots.add(node.module.split(".")[0])
        out[str(path.relative_to(ROOT))] = roots
    return out


def test_tests_and_benchmarks_share_devtools_and_never_import_each_other():
    tests, bench = _imported_roots(ROOT / "tests"), _imported_roots(ROOT / "bench")
    assert [f for f, roots in tests.items() if "bench" in roots] == []
    assert [f for f, roots in bench.items() if "tests" in roots] == []


def test_the_product_imports_neither_tests_nor_benchmarks_nor_devtools():
    product = {**_imported_roots(ROOT / "optimizer"), **_imported_roots(ROOT / "app_pages")}
    assert [f for f, roots in product.items() if roots & {"tests", "bench", "devtools"}] == []
