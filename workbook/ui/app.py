"""The workbook app: patient, routine, visit and progress as four tabs, for a whole visit.

A notebook cell is one line::

    from workbook.ui import WorkbookApp
    from workbook import open_store
    WorkbookApp(open_store())

The four screens stay independent widgets; the app only wires them: opening a patient updates
the routine, the visit form and the progress; a saved visit refreshes the progress. A tab that is
hidden does not redraw; it redraws when it is shown (see :class:`~workbook.ui.screen.Screen`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as widgets

from .caseload import add_caseload_tab
from .common import demo_banner_html, open_default_store
from .patient import PatientScreen
from .patient_model import ChosenPatient
from .progress import ProgressScreen
from .routine import RoutineScreen
from .routine_model import saved_routine
from .screen import Screen
from .visit import VisitForm

__all__ = ["PATIENT_TAB", "PROGRESS_TAB", "ROUTINE_TAB", "TAB_TITLES", "VISIT_TAB", "WorkbookApp"]

TAB_TITLES: tuple[str, ...] = ("1. Patient", "2. Routine", "3. Visit", "4. Progress")
PATIENT_TAB, ROUTINE_TAB, VISIT_TAB, PROGRESS_TAB = 0, 1, 2, 3


class WorkbookApp(Screen):
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
    >>> from workbook.records.store import open_store
    >>> store = open_store()  # the demo store on a fresh install (and in the tests)
    >>> app = WorkbookApp(store)
    >>> chosen = app.patient.select(app.patient.listed()[0])
    >>> app.show_tab(PROGRESS_TAB)
    >>> app.errors(), "on record" in app.progress.status()
    ([], True)
    >>> store.close()
    """

    def __init__(self, store: Any = None, *, today: dt.date | None = None) -> None:
        super().__init__()
        self.store = store if store is not None else open_default_store()
        self._build(today)
        self._layout()
        self._wire()

    def _build(self, today: dt.date | None) -> None:
        self.patient = PatientScreen(self.store, today=today)
        self.routine = RoutineScreen(active=False)
        self.visit = VisitForm(self.store, routine_provider=self.routine.to_dict, today=today)
        self.progress = ProgressScreen(self.store, active=False)
        self._banner = widgets.HTML(demo_banner_html(self.store))

    def _layout(self) -> None:
        self._tabs = widgets.Tab(
            children=[self.patient, self.routine, self.visit, self.progress], titles=TAB_TITLES
        )
        self.children = [self._banner, self._tabs]

    def _wire(self) -> None:
        self.patient.on_choose(self._on_patient)
        self.visit.on_saved(self.progress.refresh)
        self._tabs.observe(self._on_tab, names="selected_index")
        # visitprogress: correct a visit from the Progress tab; the caseload as a fifth tab
        self.progress.on_correct(self._on_correct_visit)
        self.caseload = add_caseload_tab(self)

    # for the notebooks and the tests ------------------------------------------------------------
    @property
    def banner(self) -> str:
        """The demo-store warning shown above the tabs ('' for a clinic store)."""
        return str(self._banner.value)

    @property
    def tab(self) -> int:
        """The tab shown (``PATIENT_TAB`` ... ``PROGRESS_TAB``)."""
        return int(self._tabs.selected_index or 0)

    @property
    def tab_titles(self) -> tuple[str, ...]:
        return tuple(self._tabs.titles)

    def show_tab(self, index: int) -> None:
        """Show a tab, as a click on its title does."""
        self._tabs.selected_index = index

    # callbacks ------------------------------------------------------------------------------------
    def _on_patient(self, chosen: ChosenPatient) -> None:
        # routine and progress are made when their tab is shown: picking stays quick
        self.routine.show_patient(
            chosen.profile,
            chosen.name,
            saved=lambda: saved_routine(self.store, chosen.patient_id, chosen.profile),
        )
        self.visit.set_patient(chosen.patient_id, chosen.name)
        self.progress.show_patient(chosen.patient_id)

    def _on_correct_visit(self, visit_id: str) -> None:
        self.visit.load_visit(visit_id)
        self.show_tab(VISIT_TAB)

    def _on_tab(self, change: dict) -> None:
        # the visit tab saves the routine with the visit: make it while the therapist types
        self.routine.active = change["new"] in (ROUTINE_TAB, VISIT_TAB)
        self.progress.active = change["new"] == PROGRESS_TAB
