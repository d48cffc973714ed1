"""Hip Mobility Workbook: stretch routines, visit logs and progress for lower back pain.

The public names below are imported lazily, on first use, so that a notebook that only builds a
routine does not pay for SQLAlchemy or matplotlib at start-up.

Layers, imports pointing one way (a module never imports a layer above it)::

    errors, measures, profile, stretches, routine, reference, progress,
    deidentify                                                           (pure: pandas only)
    <- store, demo                                                         (storage)
    <- charts, pictograms, report, handout, share                          (matplotlib object API)
    <- ui                                                                  (ipywidgets)
    <- notebooks
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "WorkbookError": "errors",
    "MOTIONS": "measures",
    "SIDES": "measures",
    "odi_index": "measures",
    "PatientProfile": "profile",
    "load_stretches": "stretches",
    "MOVEMENTS": "stretches",
    "Routine": "routine",
    "generate_routine": "routine",
    "progress": "progress",
    "score_progress": "progress",
    "normal_value": "reference",
    "mdc_degrees": "reference",
    "open_store": "store",
    "Store": "store",
    "make_demo_store": "demo",
    "progress_chart": "charts",
    "export_chart": "charts",
    "score_chart": "charts",
    "ProgressChart": "charts",
    "progress_report": "report",
    "handout": "handout",
    "share_case": "share",
    "import_case": "share",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .charts import ProgressChart, export_chart, progress_chart, score_chart
    from .demo import make_demo_store
    from .errors import WorkbookError
    from .handout import handout
    from .measures import MOTIONS, SIDES, odi_index
    from .profile import PatientProfile
    from .progress import progress, score_progress
    from .reference import mdc_degrees, normal_value
    from .report import progress_report
    from .routine import Routine, generate_routine
    from .share import import_case, share_case
    from .store import Store, open_store
    from .stretches import MOVEMENTS, load_stretches


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'workbook' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
