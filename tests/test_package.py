"""The package's public names all resolve, and the docstring examples stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

import workbook

PURE_MODULES = ["measures", "profile", "routine", "deidentify"]


@pytest.mark.parametrize("name", workbook.__all__)
def test_every_public_name_resolves(name):
    assert getattr(workbook, name) is not None


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = workbook.no_such_thing


@pytest.mark.parametrize("module", PURE_MODULES)
def test_docstring_examples_hold(module):
    result = doctest.testmod(importlib.import_module(f"workbook.{module}"))
    assert result.attempted > 0 and result.failed == 0
