"""The whole visit on one screen: patient, routine, visit and progress as tabs.

A notebook cell is one line::

    from workbook.ui import VisitScreen
    from workbook import open_store
    VisitScreen(open_store())

The four screens stay independent widgets; this module only wires them: opening a patient
updates the routine, the visit form and the progress; a saved visit refreshes the progress.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import ipywidgets as widgets

from .common import message_html
from .patient import ChosenPatient, PatientScreen
from .progress import ProgressScreen
from .routine import RoutineScreen, saved_routine
from .visit import VisitForm

__all__ = ["TAB_TITLES", "ReportScreen", "VisitScreen", "demo_banner_html", "shown_errors"]

TAB_TITLES: tuple[str, ...] = ("1. Patient", "2. Routine", "3. Visit", "4. Progress")
PATIENT_TAB, ROUTINE_TAB, VISIT_TAB, PROGRESS_TAB = 0, 1, 2, 3

_ERROR = re.compile(r'class="wb-msg wb-msg-error"')


def _open_default_store() -> Any:
    from ..records.store import open_store

    return open_store()


def demo_banner_html(store: Any) -> str:
    if getattr(store, "is_demo", False):
        return message_html(
            "Demo store: every patient here is fictional. Do not enter real patient data.",
            "warn",
        )
    return ""


def shown_errors(root: widgets.Widget) -> list[str]:
    """The error messages currently shown anywhere under ``root`` (for checks in notebooks)."""
    found: list[str] = []
    stack = [root]
    while stack:
        widget = stack.pop()
        if isinstance(widget, widgets.HTML) and _ERROR.search(widget.value or ""):
            found.append(html.unescape(re.sub(r"<[^>]+>", "", widget.value)).strip())
        stack.extend(getattr(widget, "children", ()))
    return found


class VisitScreen(widgets.VBox):
    """Patient, routine, visit and progress for one visit, as four tabs.

    Parameters
    ----------
    store : workbook.records.store.Store, optional
        The clinic store; by default ``open_store()`` (``$WORKBOOK_DB``, or the demo that
        ``make lab`` sets up on a fresh install).
    today : datetime.date, optional
        Fixed in tests.

    Examples
    --------
    >>> screen = VisitScreen(open_store())          # doctest: +SKIP
    >>> screen.patient.select(patient_id)           # doctest: +SKIP
    """

    def __init__(self, store: Any = None, *, today: dt.date | None = None) -> None:
        self.store = store if store is not None else _open_default_store()
        self.patient = PatientScreen(self.store, today=today)
        self.routine = RoutineScreen(active=False)
        self.visit = VisitForm(self.store, routine_provider=self.routine.to_dict, today=today)
        self.progress = ProgressScreen(self.store, active=False)
        self.banner = widgets.HTML(demo_banner_html(self.store))
        self.tabs = widgets.Tab(
            children=[self.patient, self.routine, self.visit, self.progress], titles=TAB_TITLES
        )
        self.patient.on_choose(self._on_patient)
        self.visit.on_saved(self.progress.refresh)
        self.tabs.observe(self._on_tab, names="selected_index")
        super().__init__([self.banner, self.tabs])

    def _on_patient(self, chosen: ChosenPatient) -> None:
        # routine and progress are made when their tab is shown: picking stays quick
        self.routine.show_patient(
            chosen.profile,
            chosen.name,
            saved=lambda: saved_routine(self.store, chosen.patient_id, chosen.profile),
        )
        self.visit.set_patient(chosen.patient_id, chosen.name)
        self.progress.show_patient(chosen.patient_id)

    def _on_tab(self, change: dict) -> None:
        # the visit tab saves the routine with the visit: make it while the therapist types
        self.routine.active = change["new"] in (ROUTINE_TAB, VISIT_TAB)
        self.progress.active = change["new"] == PROGRESS_TAB

    def errors(self) -> list[str]:
        """Error messages on screen right now (empty when all is well)."""
        return shown_errors(self)


App = VisitScreen


class ReportScreen(widgets.VBox):
    """One patient's progress, chart, exports and report: the progress-report notebook."""

    def __init__(self, store: Any = None, *, today: dt.date | None = None) -> None:
        self.store = store if store is not None else _open_default_store()
        self.patient = PatientScreen(self.store, today=today)
        self.patient.sections.layout.display = "none"  # finding is enough here
        self.progress = ProgressScreen(self.store, active=True)
        self.banner = widgets.HTML(demo_banner_html(self.store))
        self.patient.on_choose(lambda chosen: self.progress.show_patient(chosen.patient_id))
        super().__init__([self.banner, self.patient, self.progress])

    def errors(self) -> list[str]:
        return shown_errors(self)
