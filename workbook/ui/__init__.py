"""The clinician screens: ipywidgets classes, one module per screen, its model in another.

``WorkbookApp(store)`` is the whole visit (patient, routine, visit and progress as tabs);
``ReportScreen(store)`` one patient's progress and report. Each tab is also usable alone:
:class:`PatientScreen`, :class:`RoutineScreen`, :class:`VisitForm`, :class:`ProgressScreen`, all
built on :class:`Screen` (shown/stale state, listeners, errors shown to the therapist).
Layer: widgets, above charts and storage; nothing in the package imports this.
"""

from __future__ import annotations

from .app import WorkbookApp
from .patient import PatientScreen
from .patient_model import ChosenPatient, PatientModel
from .progress import ProgressScreen
from .progress_model import ProgressModel
from .report import ReportScreen
from .routine import RoutineScreen
from .routine_model import RoutineModel
from .screen import Screen
from .visit import VisitForm
from .visit_model import VisitEntry, VisitModel

__all__ = [
    "ChosenPatient",
    "PatientModel",
    "PatientScreen",
    "ProgressModel",
    "ProgressScreen",
    "ReportScreen",
    "RoutineModel",
    "RoutineScreen",
    "Screen",
    "VisitEntry",
    "VisitForm",
    "VisitModel",
    "WorkbookApp",
]
