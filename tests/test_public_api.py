"""The public API a claim author uses: three modules, documented, enough for the README's examples.

``landscape`` (claim API), ``landscape.strategies`` and ``landscape.numerics``; everything under
``landscape._core`` / ``landscape._lib`` is private.  The README's worked examples are the files
``tests/test_user_claim_example.py``, ``tests/test_user_local_minimum_example.py`` and
``tests/test_user_critical_example.py`` (checked here
to be the README's code, to import nothing private, and -- by running under pytest -- to work).
"""

from __future__ import annotations

import ast
import inspect
import pathlib
import re

import pytest

import landscape
import landscape.numerics
import landscape.strategies

REPO = pathlib.Path(__file__).resolve().parent.parent
PUBLIC = {"landscape", "landscape.strategies", "landscape.numerics"}
EXAMPLES = [REPO / "tests" / "test_user_claim_example.py", REPO / "tests" / "test_user_local_minimum_example.py",
            REPO / "tests" / "test_user_critical_example.py", REPO / "tests" / "test_user_multistart_example.py"]


def _landscape_imports(source: str) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "landscape":
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names
                       if f"{node.module}.{a.name}" in ("landscape.strategies", "landscape.numerics"))
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "landscape")
    return out


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_import_only_the_public_api(path):
    assert _landscape_imports(path.read_text()) <= PUBLIC


def _readme_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(), flags=re.S)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_readme_shows_each_example_as_it_is(path):
    body = path.read_text()
    code = body[ast.get_docstring(ast.parse(body), clean=False) and body.index('"""', 3) + 4:].lstrip("\n")
    assert any(block.strip() == code.strip() for block in _readme_blocks()), \
        f"README.md has no python block equal to {path.name} (after its docstring)"


def test_readme_code_imports_only_the_public_api():
    for block in _readme_blocks():
        assert _landscape_imports(block) <= PUBLIC, block[:200]


@pytest.mark.parametrize("module", [landscape, landscape.strategies, landscape.numerics], ids=lambda m: m.__name__)
def test_every_public_name_exists_and_is_documented(module):
    assert module.__doc__ and len(module.__doc__) > 200
    undocumented = []
    for name in module.__all__:
        obj = getattr(module, name)  # AttributeError: __all__ names something missing
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and not (obj.__doc__ or "").strip():
            undocumented.append(name)
    assert undocumented == []


def test_claim_api_is_one_import():
    for name in ("claim", "Context", "Outcome", "Result", "merge", "LandscapeError"):
        assert name in landscape.__all__
