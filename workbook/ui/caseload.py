"""The caseload at a glance: who is overdue, not responding, ready to progress (issue 12).

:func:`workbook.caseload` (``records/caseload.py``) computes the table: one row per active
patient with the review flags, the headline changes and adherence. This screen filters it by
flag and therapist, sorts it, shows it a page at a time (a clinic may have thousands of active
patients: the row widgets are a fixed set, refilled per page), opens a patient in the visit app
with one click, and discharges a patient with a reason (kept, off the active caseload).

The filtering and sorting are plain functions on the DataFrame (:func:`filter_caseload`,
:func:`sort_caseload`), tested without widgets.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..clinical.display import format_date, format_number
from .common import esc, fixed_width, message_html
from .progress_tables import FLAG_TITLES
from .screen import Screen

__all__ = [
    "ALL",
    "PAGE_SIZE",
    "SORTS",
    "CaseloadScreen",
    "add_caseload_tab",
    "caseload_and_app",
    "filter_caseload",
    "open_in",
    "sort_caseload",
]

ALL = ""
PAGE_SIZE = 15
#: sort choice -> (columns, ascending); "urgent" keeps the order ``caseload`` gives
SORTS: dict[str, tuple[str, tuple[str, ...], tuple[bool, ...]]] = {
    "urgent": ("Most urgent first", (), ()),
    "overdue": ("Longest since the last visit", ("days_since_last",), (False,)),
    "name": ("Name", ("name",), (True,)),
    "adherence": ("Lowest adherence first", ("adherence_percent",), (True,)),
}
# Narrow enough for JupyterLab with the file browser open on a 1366-pixel laptop (about 900 px
# of notebook); the wide columns share what is left over.
_COLUMNS = (
    "64px minmax(110px, 1.3fr) minmax(84px, 1fr) 92px 44px minmax(140px, 1.6fr)"
    " 44px 56px minmax(100px, 1.2fr) 80px"
)
_HEADERS = (
    "",
    "Patient",
    "Therapist",
    "Last visit",
    "Days",
    "Flags",
    "Pain",
    "ODI",
    "Most limited",
    "Adherence",
)
_SEVERITY_COLOUR = {"high": "#c62828", "medium": "#e0a100", "low": "#1565c0"}

OpenPatient = Callable[[str], Any]


def filter_caseload(table: pd.DataFrame, flag: str = ALL, therapist: str = ALL) -> pd.DataFrame:
    """The rows with this review flag (any when ``ALL``) and this therapist (any when ``ALL``).

    >>> t = pd.DataFrame({"name": ["A", "B"], "therapist": ["rq", "lm"],
    ...                   "flags": [["worse"], []]})
    >>> list(filter_caseload(t, flag="worse")["name"])
    ['A']
    >>> list(filter_caseload(t, therapist="lm")["name"])
    ['B']
    """
    keep = pd.Series(True, index=table.index)
    if flag:
        keep &= table["flags"].map(lambda flags: flag in (flags or ()))
    if therapist:
        keep &= table["therapist"].fillna("") == therapist
    return table[keep]


def sort_caseload(table: pd.DataFrame, key: str = "urgent") -> pd.DataFrame:
    """Sorted by one of :data:`SORTS` (missing values last)."""
    if key not in SORTS:
        raise ValueError(f"sort = {key!r} is not allowed; one of {', '.join(SORTS)}")
    _, columns, ascending = SORTS[key]
    if not columns:
        return table
    return table.sort_values(list(columns), ascending=list(ascending), na_position="last")


def _signed(value: object, unit: str = "") -> str:
    return format_number(value, signed=True, unit=unit)


def _flags_html(flags: object, severity: dict[str, str]) -> str:
    chips = []
    for flag in flags if isinstance(flags, list | tuple) else ():
        colour = _SEVERITY_COLOUR.get(severity.get(flag, "low"), "#555")
        chips.append(
            f"<span style='border:1px solid {colour};color:{colour};border-radius:8px;"
            f"padding:0 5px;margin:0 2px 2px 0;display:inline-block;font-size:11px'>"
            f"{esc(FLAG_TITLES.get(flag, flag))}</span>"
        )
    return "".join(chips) or "<span style='color:#999'>none</span>"


def _row_cells(row: dict[Any, Any], severity: dict[str, str]) -> list[str]:
    adherence = row.get("adherence_percent")
    adherence_text = (
        "\u2013"
        if adherence is None or (isinstance(adherence, float) and math.isnan(adherence))
        else f"{float(adherence):.0f} %"
    )
    return [
        f"<b>{esc(row.get('name'))}</b>",
        esc(row.get("therapist") or "\u2013"),
        esc(format_date(row.get("last_visit"))),
        esc(format_number(row.get("days_since_last"))),
        _flags_html(row.get("flags"), severity),
        esc(_signed(row.get("pain_change"))),
        esc(_signed(row.get("odi_change"), " %")),
        esc(row.get("most_limited_motion") or "\u2013"),
        esc(adherence_text),
    ]


class CaseloadScreen(Screen):
    """The therapist's caseload: filter, sort, open a patient, discharge.

    Parameters
    ----------
    store : workbook.records.store.Store
    on_open : callable, optional
        ``on_open(patient_id)`` when the therapist clicks Open (the app shows the patient).
    today : datetime.date, optional
        Fixed in tests.
    active : bool
        Read the caseload at once; in the app it is read when its tab is shown.
    """

    def __init__(
        self,
        store: Any,
        on_open: OpenPatient | None = None,
        *,
        today: dt.date | None = None,
        active: bool = True,
    ) -> None:
        super().__init__(active=active)
        self.store = store
        self.today = today
        self.table: pd.DataFrame = pd.DataFrame()
        self.shown: pd.DataFrame = pd.DataFrame()
        self._page = 0
        self._on_open = on_open
        self._build()
        self._layout()
        self._wire()
        self.mark_stale()

    def _build(self) -> None:
        flag_choices = [("Any flag or none", ALL), *((t, f) for f, t in FLAG_TITLES.items())]
        self._flag = widgets.Dropdown(
            options=flag_choices, description="Flag", layout=fixed_width("260px")
        )
        self._therapist = widgets.Dropdown(
            options=[("All therapists", ALL)], description="Therapist", layout=fixed_width("250px")
        )
        self._sort = widgets.Dropdown(
            options=[(label, key) for key, (label, _, _) in SORTS.items()],
            description="Sort",
            layout=fixed_width("290px"),
        )
        self._refresh = widgets.Button(
            description="Refresh", icon="refresh", layout=fixed_width("100px")
        )
        self._count = widgets.HTML()
        self._open_buttons = [
            widgets.Button(description="Open", button_style="primary", layout=fixed_width("64px"))
            for _ in range(PAGE_SIZE)
        ]
        self._cells = [[widgets.HTML() for _ in _HEADERS[1:]] for _ in range(PAGE_SIZE)]
        self._previous = widgets.Button(description="\u25c0 Previous", layout=fixed_width("110px"))
        self._next = widgets.Button(description="Next \u25b6", layout=fixed_width("110px"))
        self._page_label = widgets.HTML()
        self._discharge_who = widgets.Dropdown(
            description="Discharge", options=[], layout=fixed_width("300px")
        )
        self._discharge_reason = widgets.Text(
            placeholder="reason (required)", layout=fixed_width("320px")
        )
        self._discharge_button = widgets.Button(
            description="Discharge", icon="sign-out", button_style="warning", disabled=True
        )

    def _layout(self) -> None:
        header = [widgets.HTML(f"<b>{h}</b>") for h in _HEADERS]
        cells: list[widgets.Widget] = list(header)
        self._rows: list[list[widgets.Widget]] = []
        for button, row in zip(self._open_buttons, self._cells, strict=True):
            self._rows.append([button, *row])
            cells.extend([button, *row])
        grid = widgets.GridBox(
            cells,
            layout=widgets.Layout(grid_template_columns=_COLUMNS, grid_gap="2px 6px"),
        )
        self.children = [
            widgets.HBox(
                [self._flag, self._therapist, self._sort, self._refresh],
                layout=widgets.Layout(flex_flow="row wrap"),
            ),
            self._count,
            self._message,
            grid,
            widgets.HBox([self._previous, self._page_label, self._next]),
            widgets.HBox(
                [self._discharge_who, self._discharge_reason, self._discharge_button],
                layout=widgets.Layout(flex_flow="row wrap"),
            ),
        ]

    def _wire(self) -> None:
        for box in (self._flag, self._therapist, self._sort):
            box.observe(lambda _change: self._show(page=0), names="value")
        self._refresh.on_click(lambda _button: self.reload())
        for index, button in enumerate(self._open_buttons):
            button.on_click(self._open_handler(index))
        self._previous.on_click(lambda _button: self._show(page=self._page - 1))
        self._next.on_click(lambda _button: self._show(page=self._page + 1))
        self._discharge_reason.observe(self._on_reason, names="value")
        self._discharge_button.on_click(self._on_discharge)

    # for the app and the tests --------------------------------------------------------------
    def on_open(self, callback: OpenPatient) -> None:
        """Call ``callback(patient_id)`` when a patient is opened from the caseload."""
        self._on_open = callback

    def reset_for_patient(self) -> None:
        """Forget the discharge reason typed for a patient; the filters stay (navigation)."""
        self._discharge_reason.value = ""

    def reload(self) -> None:
        """Read the caseload from the store again."""
        self.mark_stale()

    def listed(self) -> list[str]:
        """The patient ids on the page shown, top to bottom."""
        start = self._page * PAGE_SIZE
        return (
            list(self.shown["patient_id"].iloc[start : start + PAGE_SIZE])
            if len(self.shown)
            else []
        )

    def open_patient(self, patient_id: str) -> None:
        """Open a patient, as the Open button of their row does."""
        if self._on_open is not None:
            self._on_open(patient_id)

    # drawing -----------------------------------------------------------------------------------
    def _redraw(self) -> None:
        from ..records.caseload import caseload

        self._message.value = ""
        try:
            self.table = caseload(self.store, today=self.today)
        except Exception as exc:
            self._show_error(exc, "Reading the caseload")
            self.table = pd.DataFrame()
        therapists = sorted({str(t) for t in self.table.get("therapist", []) if t and t == t})
        current = self._therapist.value
        self._therapist.options = [("All therapists", ALL), *((t, t) for t in therapists)]
        self._therapist.value = current if current in therapists else ALL
        self._show(page=0)

    def _severities(self) -> dict[str, str]:
        from ..clinical.review import review_rules_table

        rules = review_rules_table()
        return dict(zip(rules["flag"], rules["severity"], strict=True))

    def _show(self, page: int) -> None:
        table = self.table
        if len(table):
            table = filter_caseload(table, self._flag.value, self._therapist.value)
            table = sort_caseload(table, self._sort.value)
        self.shown = table
        pages = max(1, math.ceil(len(table) / PAGE_SIZE))
        self._page = min(max(page, 0), pages - 1)
        self._count.value = (
            f"<b>{len(table)}</b> of {len(self.table)} active patients"
            if len(self.table)
            else "No active patients."
        )
        self._page_label.value = f"&nbsp;page {self._page + 1} of {pages}&nbsp;"
        self._previous.disabled = self._page == 0
        self._next.disabled = self._page >= pages - 1
        self._fill_rows(table.iloc[self._page * PAGE_SIZE : (self._page + 1) * PAGE_SIZE])
        choices = [(str(r["name"]), str(r["patient_id"])) for r in table.to_dict("records")]
        self._discharge_who.options = choices[:500]  # a name is typed to narrow a long list
        self._discharge_who.value = choices[0][1] if choices else None

    def _fill_rows(self, page: pd.DataFrame) -> None:
        severity = self._severities()
        records = page.to_dict("records")
        for index, row in enumerate(self._rows):
            shown = index < len(records)
            for widget in row:
                widget.layout.display = None if shown else "none"
            if shown:
                for cell, html in zip(row[1:], _row_cells(records[index], severity), strict=True):
                    cell.value = html

    # callbacks ------------------------------------------------------------------------------------
    def _open_handler(self, index: int) -> Callable[[widgets.Button], None]:
        def handler(_button: widgets.Button) -> None:
            listed = self.listed()
            if index < len(listed):
                try:
                    self.open_patient(listed[index])
                except Exception as exc:
                    self._show_error(exc, "Opening the patient")

        return handler

    def _on_reason(self, _change: dict) -> None:
        self._discharge_button.disabled = not (
            self._discharge_reason.value.strip() and self._discharge_who.value
        )

    def _on_discharge(self, _button: widgets.Button) -> None:
        patient_id = self._discharge_who.value
        reason = self._discharge_reason.value
        names = {pid: name for name, pid in self._discharge_who.options}
        try:
            self.store.discharge(patient_id, reason=reason)
        except Exception as exc:
            self._show_error(exc, "Discharging the patient")
            return
        self._discharge_reason.value = ""
        self.reload()
        self._message.value = message_html(
            f"{names.get(patient_id, patient_id)} was discharged: kept in the store, off the "
            "active caseload.",
            "ok",
        )


def open_in(app: Any) -> OpenPatient:
    """A callback for ``on_open``: show the patient in this app and switch to its visit tab."""
    from .app import VISIT_TAB

    def open_patient(patient_id: str) -> None:
        app.patient.select(patient_id)
        app.show_tab(VISIT_TAB)

    return open_patient


def add_caseload_tab(app: Any, title: str = "5. Caseload") -> CaseloadScreen:
    """Add the caseload to a :class:`~workbook.ui.app.WorkbookApp` as a fifth tab.

    Open shows the patient in the app (as a pick in the Patient tab) and switches to the visit.
    The caseload is read when its tab is shown.
    """
    screen = CaseloadScreen(app.store, on_open=open_in(app), active=False)
    app.patient.on_choose(lambda _chosen: screen.reset_for_patient())
    tabs = app._tabs
    index = len(tabs.children)
    tabs.children = [*tabs.children, screen]
    tabs.set_title(index, title)

    def on_tab(change: dict) -> None:
        screen.active = change["new"] == index

    tabs.observe(on_tab, names="selected_index")
    return screen


def caseload_and_app(store: Any) -> tuple[CaseloadScreen, Any]:
    """The caseload and a visit app it opens patients in (for ``notebooks/caseload.ipynb``)."""
    from .app import WorkbookApp

    app = WorkbookApp(store)
    return CaseloadScreen(store, on_open=open_in(app)), app
