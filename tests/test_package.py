"""The package's public names all resolve and stay what they are, whatever else was imported."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import workbook


def all_modules() -> list[str]:
    return sorted(
        info.name for info in pkgutil.walk_packages(workbook.__path__, prefix="workbook.")
    )


@pytest.mark.parametrize("name", workbook.__all__)
def test_every_public_name_resolves(name):
    assert getattr(workbook, name) is not None


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = workbook.no_such_thing


def test_public_functions_stay_functions_after_every_submodule_is_imported():
    """The old lazy loader let ``import workbook.report`` make ``workbook.progress`` a module."""
    for module in all_modules():
        importlib.import_module(module)
    for name in workbook.__all__:
        value = getattr(workbook, name)
        assert not isinstance(value, type(workbook)), f"workbook.{name} is a module"
    assert callable(workbook.progress) and callable(workbook.handout)


@pytest.mark.parametrize("module", all_modules())
def test_every_module_declares_its_public_names(module):
    loaded = importlib.import_module(module)
    assert isinstance(getattr(loaded, "__all__", None), list), f"{module} has no __all__"
    for name in loaded.__all__:
        assert hasattr(loaded, name), f"{module}.__all__ names {name!r}, which it lacks"
