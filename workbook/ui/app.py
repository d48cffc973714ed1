"""The workbook app: patient, routine, visit and progress as four tabs, for a whole visit.

A notebook cell is one line::

    from workbook.ui import WorkbookApp
    from workbook import open_store
    WorkbookApp(open_store())

The four screens stay independent widgets; the app only wires them: opening a patient updates
the routine, the visit form and the progress; a saved visit refreshes the progress. A tab that is
hidden does not redraw; it redraws when it is shown (see :class:`~workbook.ui.screen.Screen`).

One patient at a time: before another patient is opened the app asks the visit tab
(``has_unsaved()``) and, if it holds unsaved values, asks the therapist to keep or discard them;
once another patient is opened every tab forgets the previous one (``reset_for_patient()``).
The tab bar stays at the top of the window while a tab scrolls (:data:`APP_STYLE`), and another
tab opens at its top, under the bar (:data:`TAB_TOP_SCRIPT`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as widgets

from .caseload import add_caseload_tab
from .common import demo_banner_html, esc, open_default_store, store_line_html
from .patient import PatientScreen
from .patient_model import ChosenPatient
from .progress import ProgressScreen
from .routine import RoutineScreen
from .routine_model import saved_routine
from .screen import Screen
from .visit import VisitForm

__all__ = [
    "APP_STYLE",
    "PATIENT_TAB",
    "PROGRESS_TAB",
    "ROUTINE_TAB",
    "TAB_TITLES",
    "TAB_TOP_SCRIPT",
    "VISIT_TAB",
    "WorkbookApp",
]

TAB_TITLES: tuple[str, ...] = ("1. Patient", "2. Routine", "3. Visit", "4. Progress")
PATIENT_TAB, ROUTINE_TAB, VISIT_TAB, PROGRESS_TAB = 0, 1, 2, 3

#: Keeps the tab bar in view at 1366x768: sticky to the top of the notebook (JupyterLab) or the
#: page (Voila). Sticky needs every box between the bar and the scrolling panel to let it
#: overflow, so the output areas that hold the app are told so (``:has`` finds only those). A
#: sticky bar stays only as long as the tabs' box reaches the top of the window, and a tab that
#: is not drawn yet (Progress draws its chart after it is shown) is short for a moment: the tab
#: contents are at least a window tall, and the browser's scroll anchoring is off in the panel
#: that scrolls the app (the notebook in JupyterLab, the page's panel in Voila). Anchoring kept
#: the text below the app in place while the new tab grew, which scrolled the bar away for good.
#: :data:`TAB_TOP_SCRIPT` does the rest. In the app (Voila marks its page ``data-voila``) the
#: title above the tabs is compact, so each tab's main task fits below the bar.
APP_STYLE = """<style>
.wb-app .wb-tabs > .lm-TabBar, .wb-app .wb-tabs > .p-TabBar, .wb-app .wb-tabs > .widget-tab-bar {
  position: sticky; top: 0; z-index: 20; background: var(--jp-layout-color1, #fff);
}
.wb-app, .wb-app .wb-tabs, .wb-app .wb-tabs > .widget-tab-contents,
.jp-OutputArea-output:has(.wb-app), .jp-OutputArea-child:has(.wb-app),
.jp-OutputArea:has(.wb-app), .jp-Cell-outputWrapper:has(.wb-app),
.jp-Cell-outputArea:has(.wb-app), .jp-Cell:has(.wb-app) { overflow: visible !important; }
body[data-voila] h1 { font-size: 1.5em !important; margin: 0 0 2px !important; }
body[data-voila] .jp-RenderedMarkdown > p { margin: 0 0 2px !important; }
body[data-voila] .jp-Cell { padding-top: 0 !important; padding-bottom: 0 !important; }
.wb-app .wb-tabs > .widget-tab-contents { padding-top: 6px; min-height: 100vh; }
.jp-WindowedPanel-outer:has(.wb-app), .lm-BoxPanel-child:has(.wb-app), html:has(.wb-app),
body:has(.wb-app) { overflow-anchor: none; }
</style>"""

_TAB_TOP_JS = """(function (img) {
  var app = img.closest('.wb-app');
  if (!app || app.dataset.wbTabTop) { return; }
  app.dataset.wbTabTop = '1';
  var shown = -1;
  function current() {
    var panels = app.querySelector('.wb-tabs > .widget-tab-contents');
    return panels ? Array.from(panels.children).findIndex(function (panel) {
      return !panel.classList.contains('lm-mod-hidden');
    }) : -1;
  }
  function scroller(el) {
    for (var box = el.parentElement; box; box = box.parentElement) {
      var y = getComputedStyle(box).overflowY;
      if ((y === 'auto' || y === 'scroll') && box.scrollHeight > box.clientHeight) { return box; }
    }
    return document.scrollingElement;
  }
  function toTop() {
    var tabs = app.querySelector('.wb-tabs');
    var box = scroller(tabs);
    var top = box === document.scrollingElement ? 0 : box.getBoundingClientRect().top +
      box.clientTop + parseFloat(getComputedStyle(box).paddingTop);
    var under = top - tabs.getBoundingClientRect().top;
    if (under > 0) { box.scrollTop -= under; }
  }
  new MutationObserver(function () {
    var now = current();
    if (now !== shown) { if (shown >= 0 && now >= 0) { toTop(); } shown = now; }
  }).observe(app, {subtree: true, attributes: true, attributeFilter: ['class']});
  shown = current();
})(this);"""

#: Front-end half of keeping the tab bar in view: when another tab is shown (a click, the keyboard
#: or the kernel, e.g. "correct this visit" opening the Visit tab) while the tab bar is stuck at
#: the top, the panel is scrolled so the new tab starts right under the bar, as a new page starts
#: at its top. Without it the new tab opens at the old tab's scroll depth, and a shorter tab
#: leaves the bar above the window. ipywidgets runs no ``<script>`` from an HTML widget, so the
#: code sits in the ``onerror`` of an empty image (``data:,`` loads nothing from the network); it
#: only reads the layout and scrolls, once per shown app.
TAB_TOP_SCRIPT = '<img alt="" src="data:," style="display:none" onerror="' + esc(_TAB_TOP_JS) + '">'


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
        for screen in self.screens:  # what a screen without its own reset goes back to
            screen.remember_inputs()

    def _build(self, today: dt.date | None) -> None:
        self.patient = PatientScreen(self.store, today=today)
        self.routine = RoutineScreen(active=False)
        self.visit = VisitForm(self.store, routine_provider=self.routine.to_dict, today=today)
        self.progress = ProgressScreen(self.store, active=False)
        self._banner = widgets.HTML(demo_banner_html(self.store))
        self._store_line = widgets.HTML(store_line_html(self.store))
        self._patient_id: str | None = None
        self._discarding: str | None = None  # the patient the therapist agreed to open
        self._asked: str | None = None  # the patient waiting for keep / discard
        self._confirm_text = widgets.HTML()
        self._keep_button = widgets.Button(description="Keep", button_style="primary", icon="undo")
        self._discard_button = widgets.Button(
            description="Discard", button_style="warning", icon="trash"
        )

    def _layout(self) -> None:
        self._tabs = widgets.Tab(
            children=[self.patient, self.routine, self.visit, self.progress], titles=TAB_TITLES
        )
        self._tabs.add_class("wb-tabs")
        self._confirm = widgets.HBox(
            [self._confirm_text, self._keep_button, self._discard_button],
            layout=widgets.Layout(display="none", align_items="center"),
        )
        self._confirm.add_class("wb-confirm")
        self.add_class("wb-app")
        self.children = [
            widgets.HTML(APP_STYLE + TAB_TOP_SCRIPT),
            self._banner,
            self._store_line,
            self._confirm,
            self._tabs,
        ]

    def _wire(self) -> None:
        self.patient.set_guard(self._may_open)
        self.patient.on_choose(self._on_patient)
        self.visit.on_saved(self.progress.refresh)
        self._tabs.observe(self._on_tab, names="selected_index")
        self._keep_button.on_click(self._on_keep)
        self._discard_button.on_click(self._on_discard)
        # visitprogress: correct a visit from the Progress tab; the caseload as a fifth tab
        self.progress.on_correct(self._on_correct_visit)
        self.caseload = add_caseload_tab(self)

    @property
    def screens(self) -> tuple[Screen, ...]:
        """The four tabs' screens, in tab order."""
        return (self.patient, self.routine, self.visit, self.progress)

    # for the notebooks and the tests ------------------------------------------------------------
    @property
    def banner(self) -> str:
        """The demo-store warning shown above the tabs ('' for a clinic store)."""
        return str(self._banner.value)

    @property
    def store_line(self) -> str:
        """The line naming the clinic store in use ('' for the demo store)."""
        return str(self._store_line.value)

    @property
    def asking(self) -> str:
        """The keep-or-discard question shown now ('' when none)."""
        if self._confirm.layout.display == "none":
            return ""
        return self._confirm_text.value

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
    def _may_open(self, patient_id: str) -> bool:
        """Asked by the patient screen before it opens ``patient_id``; False: ask first."""
        if (
            self._patient_id is None
            or patient_id == self._patient_id
            or patient_id == self._discarding
            or not any(screen.has_unsaved() for screen in self.screens)
        ):
            return True
        self._asked = patient_id
        name = self.patient.model.chosen.name if self.patient.model.chosen else "this patient"
        self._confirm_text.value = (
            f"<b>Discard today's unsaved values for {esc(name)}?</b>&nbsp;"
            "<span style='color:#555'>Keep them to save the visit first.</span>&nbsp;"
        )
        self._confirm.layout.display = None
        return False

    def _on_keep(self, _button: widgets.Button | None = None) -> None:
        self._asked = None
        self._confirm.layout.display = "none"
        self.show_tab(VISIT_TAB)

    def _on_discard(self, _button: widgets.Button | None = None) -> None:
        asked, self._asked = self._asked, None
        self._confirm.layout.display = "none"
        if asked is None:
            return
        self._discarding = asked
        try:
            self.patient.select(asked)
        finally:
            self._discarding = None

    def _on_patient(self, chosen: ChosenPatient) -> None:
        if chosen.patient_id != self._patient_id:
            self._patient_id = chosen.patient_id
            self._confirm.layout.display = "none"
            for screen in self.screens:
                screen.reset_for_patient()
        # routine and progress are made when their tab is shown: picking stays quick
        self.routine.show_patient(
            chosen.profile,
            chosen.name,
            saved=lambda: saved_routine(self.store, chosen.patient_id, chosen.profile),
            history=lambda: (
                self.store.measurements(chosen.patient_id),
                self.store.visits(chosen.patient_id),
            ),
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
