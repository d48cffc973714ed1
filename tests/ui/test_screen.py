"""The screen base class: stale until shown, listeners told, errors shown in plain words."""

from __future__ import annotations

import logging

import ipywidgets as widgets
import pytest

from workbook.errors import WorkbookError
from workbook.ui import PatientScreen, ProgressScreen, ReportScreen, RoutineScreen, VisitForm
from workbook.ui.app import WorkbookApp
from workbook.ui.screen import Screen, shown_errors


class Drawing(Screen):
    """A screen that counts its redraws and what it hid while stale."""

    def __init__(self, *, active: bool = True) -> None:
        super().__init__(active=active)
        self.drawn = 0
        self.hidden = 0
        self.children = [self._message]

    def _redraw(self) -> None:
        self.drawn += 1

    def _hide_stale(self) -> None:
        self.hidden += 1


def test_a_hidden_screen_stays_stale_and_draws_nothing_until_shown():
    screen = Drawing(active=False)
    screen.mark_stale()
    screen.mark_stale()
    assert (screen.drawn, screen.stale, screen.hidden) == (0, True, 2)
    screen.active = True
    assert (screen.drawn, screen.stale) == (1, False)


def test_a_shown_screen_redraws_at_once_and_is_never_stale():
    screen = Drawing(active=True)
    screen.mark_stale()
    assert (screen.drawn, screen.stale, screen.hidden) == (1, False, 0)


def test_showing_a_fresh_screen_again_does_not_redraw_it():
    screen = Drawing(active=False)
    screen.active = True
    screen.active = False
    screen.active = True
    assert screen.drawn == 0


def test_ensure_draws_a_stale_hidden_screen_once_for_a_caller_that_needs_it():
    screen = Drawing(active=False)
    screen.mark_stale()
    screen.ensure()
    screen.ensure()
    assert (screen.drawn, screen.stale, screen.active) == (1, False, False)


def test_every_listener_is_called_with_what_the_screen_tells():
    screen = Drawing()
    heard: list[tuple] = []
    screen.add_listener(lambda *args: heard.append(("first", *args)))
    screen.add_listener(lambda *args: heard.append(("second", *args)))
    screen._notify("p_1", 2)
    assert heard == [("first", "p_1", 2), ("second", "p_1", 2)]


def test_a_failing_listener_is_shown_and_logged_and_the_others_still_run(caplog):
    screen = Drawing()
    heard: list[str] = []

    def broken(_value: str) -> None:
        raise RuntimeError("chart backend gone")

    screen.add_listener(broken)
    screen.add_listener(heard.append)
    with caplog.at_level(logging.ERROR, logger="workbook.ui"):
        screen._notify("p_1", action="Updating the chart")
    assert heard == ["p_1"]
    assert screen.errors() == ["\u26a0 Updating the chart failed: RuntimeError: chart backend gone"]
    assert any("Updating the chart" in r.getMessage() for r in caplog.records)


def test_an_error_goes_to_the_message_line_or_to_the_target_named():
    screen = Drawing()
    beside_a_field = widgets.HTML()
    screen.children = [screen._message, beside_a_field]
    screen._show_error(WorkbookError("pain", 11, "0 to 10"), "Checking the pain", beside_a_field)
    assert screen._message.value == ""
    assert "Pain (0-10) = 11 is not allowed" in beside_a_field.value
    screen._show_error(OSError("disk full"), "Saving")
    assert screen.status() == "\u26a0 Saving failed: OSError: disk full"
    assert len(screen.errors()) == 2


def test_shown_errors_ignores_messages_that_are_not_errors():
    box = widgets.VBox(
        [
            widgets.HTML('<div class="wb-msg wb-msg-ok">saved</div>'),
            widgets.VBox([widgets.HTML('<div class="wb-msg wb-msg-error">broke</div>')]),
        ]
    )
    assert shown_errors(box) == ["broke"]


@pytest.mark.parametrize(
    "make",
    [
        lambda store: PatientScreen(store),
        lambda store: RoutineScreen(),
        lambda store: VisitForm(store),
        lambda store: ProgressScreen(store),
        lambda store: ReportScreen(store),
        lambda store: WorkbookApp(store),
    ],
    ids=["patient", "routine", "visit", "progress", "report", "app"],
)
def test_every_screen_is_a_screen_and_opens_without_errors(store, make):
    screen = make(store)
    assert isinstance(screen, Screen)
    assert screen.errors() == []


def test_a_hidden_progress_tab_is_stale_after_a_pick_and_fresh_once_shown(store, older_stenosis):
    pid = store.add_patient("Ann Byrne", 1945, older_stenosis)
    store.log_visit(pid, "2025-01-06", {("hip_flexion", "left"): 90})
    app = WorkbookApp(store)
    app.patient.select(pid)
    assert app.progress.stale and app.routine.stale
    assert app.progress.status() == "\u2139 Updating\u2026"
    app.show_tab(3)
    assert not app.progress.stale
    assert app.progress.status() == "\u2139 1 visit on record."
    assert app.routine.stale  # not shown yet: still not made
