"""The clinician screens: ipywidgets classes, one module per screen.

``VisitScreen(store)`` is the whole visit (patient, routine, visit, progress as tabs);
``ReportScreen(store)`` one patient's progress and report. The screens are also usable alone.
Layer: widgets, above charts and storage; nothing in the package imports this.
"""

from __future__ import annotations

from .app import App, ReportScreen, VisitScreen
from .patient import PatientModel, PatientScreen
from .progress import ProgressModel, ProgressScreen
from .routine import RoutineModel, RoutineScreen
from .visit import VisitForm, VisitModel

__all__ = [
    "App",
    "PatientModel",
    "PatientScreen",
    "ProgressModel",
    "ProgressScreen",
    "ReportScreen",
    "RoutineModel",
    "RoutineScreen",
    "VisitForm",
    "VisitModel",
    "VisitScreen",
]
