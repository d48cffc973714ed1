"""The package keeps its layers: imports point one way, and no pyplot state inside it.

pure logic (pandas only) <- storage <- charts <- widgets <- notebooks. A pure function that
imported matplotlib or ipywidgets would make the logic untestable without them and slow every
notebook start; pyplot inside the package leaks figures and duplicates plots in widget callbacks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "workbook"

LAYERS = {
    "pure": {"errors", "_paths", "tables", "measures", "profile", "stretches", "routine",
             "deidentify", "reference", "progress"},
    "storage": {"store", "demo"},
    "charts": {"charts", "pictograms", "report", "handout", "share"},
    "widgets": {"ui"},
}
RANK = {"pure": 0, "storage": 1, "charts": 2, "widgets": 3}
# Third-party packages each layer may use at most.
ALLOWED_THIRD_PARTY = {
    "pure": {"pandas", "numpy"},
    "storage": {"pandas", "numpy", "sqlalchemy", "platformdirs"},
    "charts": {"pandas", "numpy", "sqlalchemy", "platformdirs", "matplotlib"},
    "widgets": {"pandas", "numpy", "sqlalchemy", "platformdirs", "matplotlib", "ipywidgets",
                "IPython", "traitlets"},
}
THIRD_PARTY = set().union(*ALLOWED_THIRD_PARTY.values())


def layer_of(module: str) -> str | None:
    top = module.split(".")[0]
    return next((name for name, members in LAYERS.items() if top in members), None)


def package_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if p.name not in {"__init__.py", "__main__.py"}
            or p.parent.name == "ui"]


def imports_of(path: Path) -> list[str]:
    """Absolute names of what a module imports (relative imports resolved to workbook.*)."""
    tree = ast.parse(path.read_text())
    relative_base = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(relative_base[: len(relative_base) - node.level + 1])
                module = ".".join([*base, node.module] if node.module else base)
                names += [module] if node.module else [f"{module}.{a.name}" for a in node.names]
            else:
                names.append(node.module or "")
    return names


def test_every_module_belongs_to_a_layer():
    for path in package_modules():
        module = path.relative_to(PACKAGE).with_suffix("").parts[0]
        assert layer_of(module), f"{path.name} is in no layer: add it to LAYERS"


@pytest.mark.parametrize("path", package_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_layers(path):
    own = layer_of(path.relative_to(PACKAGE).with_suffix("").parts[0])
    for name in imports_of(path):
        top = name.split(".")[0]
        if top == "workbook":
            inner = name.split(".")[1] if "." in name else ""
            target = layer_of(inner)
            if target:
                assert RANK[target] <= RANK[own], f"{path.name} ({own}) imports {name} ({target})"
        elif top in THIRD_PARTY:
            assert top in ALLOWED_THIRD_PARTY[own], f"{path.name} ({own}) imports {name}"
        assert name != "matplotlib.pyplot", f"{path.name} uses pyplot's global state"
