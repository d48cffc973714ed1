"""The package keeps its layers: the folder a module sits in is its layer, imports point down.

clinical (pandas only) <- records (storage) <- documents (matplotlib object API) <- ui (widgets)
<- notebooks. A pure function that imported matplotlib or ipywidgets would make the logic
untestable without them and slow every notebook start; pyplot inside the package leaks figures and
duplicates plots in widget callbacks. The order below is the only list: a new module is placed by
the folder it is put in.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "workbook"

#: The layer folders, lowest first. ``errors.py`` and the package's own ``__init__`` and
#: ``__main__`` sit at the top of the package: errors below everything, the rest above it.
ORDER = ["clinical", "records", "documents", "ui"]
ROOT_FILES = {"__init__.py", "__main__.py", "errors.py"}
# Third-party packages each layer adds to the ones below it.
ADDS = {
    "clinical": {"pandas", "numpy"},
    "records": {"sqlalchemy", "platformdirs"},
    "documents": {"matplotlib"},
    "ui": {"ipywidgets", "IPython", "traitlets"},
}
ALLOWED = {
    layer: set().union(*(ADDS[below] for below in ORDER[: i + 1])) for i, layer in enumerate(ORDER)
}
THIRD_PARTY = set().union(*ADDS.values())


def rank(layer: str) -> int:
    """errors is below every layer; the package root (``__init__``, ``__main__``) above all."""
    return {"errors": -1, "root": len(ORDER)}.get(
        layer, ORDER.index(layer) if layer in ORDER else 99
    )


def layer_of_path(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    if len(parts) == 1:
        return "errors" if parts[0] == "errors.py" else "root"
    return parts[0]


def layer_of_module(name: str) -> str | None:
    """The layer of an absolute ``workbook.x.y`` name, or None for the package itself."""
    parts = name.split(".")[1:]
    if not parts:
        return None
    if parts[0] == "errors":
        return "errors"
    return parts[0] if parts[0] in ORDER else "root"


def package_modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


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


def test_only_the_root_files_sit_outside_the_layer_folders():
    loose = {p.name for p in PACKAGE.glob("*.py")} - ROOT_FILES
    assert not loose, f"modules outside the layer folders {ORDER}: {sorted(loose)}"
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders <= set(ORDER), f"folders that are no layer: {sorted(folders - set(ORDER))}"


@pytest.mark.parametrize("path", package_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_layers(path):
    own = layer_of_path(path)
    for name in imports_of(path):
        top = name.split(".")[0]
        if top == "workbook":
            target = layer_of_module(name)
            if target and own != "root":
                assert rank(target) <= rank(own), f"{path.name} ({own}) imports {name} ({target})"
        elif top in THIRD_PARTY and own in ALLOWED:
            assert top in ALLOWED[own], f"{path.name} ({own}) imports {name}"
        elif top in THIRD_PARTY and own == "errors":
            pytest.fail(f"errors.py imports {name}: it must stay below every layer")
        assert name != "matplotlib.pyplot", f"{path.name} uses pyplot's global state"


def test_a_module_that_reached_up_would_be_caught(tmp_path):
    """The check itself: a clinical module importing the store is reported."""
    fake = PACKAGE / "clinical" / "fake.py"
    assert rank(layer_of_path(fake)) < rank(layer_of_module("workbook.records.store"))
    assert "sqlalchemy" not in ALLOWED["clinical"] and "matplotlib" not in ALLOWED["records"]
