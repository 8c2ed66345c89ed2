"""The package's layers: the public API above the core above the numerics library, no import cycle.

Read from the source (every ``import`` statement, those inside functions included), so a lazy
import cannot hide a cycle.  ``landscape._lib`` (numerics) imports nothing of the core, the claims
or the public modules; ``landscape._core`` never imports a claim module (the registry loads them by
name); the claim packages never import each other's modules.
"""

from __future__ import annotations

import ast
import pathlib

import landscape

ROOT = pathlib.Path(landscape.__file__).parent


def _modules() -> dict[str, pathlib.Path]:
    out = {}
    for p in ROOT.rglob("*.py"):
        parts = ("landscape",) + p.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = p
    return out


MODULES = _modules()


def _imports(name: str) -> set[str]:
    """The landscape modules ``name`` imports (a package's ``__init__`` counts as the package)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    deps: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for alias in node.names:
                full = f"{mod}.{alias.name}"
                deps.add(full if full in MODULES else mod)
        elif isinstance(node, ast.Import):
            deps.update(a.name for a in node.names)
    return {d for d in deps if d in MODULES and d != name}


GRAPH = {m: _imports(m) for m in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _layer(m: str) -> str:
    for prefix in ("landscape._lib", "landscape._core", "landscape.claims"):
        if m == prefix or m.startswith(prefix + "."):
            return prefix
    return "public"


def test_no_import_cycle():
    assert _cycles(GRAPH) == []


def test_cycle_finder_finds_a_planted_cycle():
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(g) == [["a", "b", "c"]]


def test_numerics_library_imports_nothing_above_it():
    bad = {m: sorted(d for d in deps if _layer(d) != "landscape._lib")
           for m, deps in GRAPH.items() if _layer(m) == "landscape._lib"}
    assert {m: d for m, d in bad.items() if d} == {}


def test_core_imports_no_claim_module():
    bad = {m: sorted(d for d in deps if _layer(d) in ("landscape.claims", "public"))
           for m, deps in GRAPH.items() if _layer(m) == "landscape._core"}
    # the core may use the version module only
    assert {m: [x for x in d if x != "landscape._version"] for m, d in bad.items()
            if [x for x in d if x != "landscape._version"]} == {}


def test_claim_packages_do_not_import_each_other():
    def paper(m: str) -> str | None:
        parts = m.split(".")
        return parts[2] if len(parts) > 2 and parts[1] == "claims" else None

    bad = sorted((m, d) for m, deps in GRAPH.items() if paper(m) for d in deps if paper(d) and paper(d) != paper(m))
    assert bad == []


def test_claim_modules_are_thin():
    """A module per result: no claim module over 400 lines."""
    sizes = {m: len(p.read_text().splitlines()) for m, p in MODULES.items() if _layer(m) == "landscape.claims"}
    assert {m: n for m, n in sizes.items() if n > 400} == {}
