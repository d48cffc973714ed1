"""The parts of the visit form for issue 11: red-flag questions, PSFS and adherence.

Each part is a small widget with ``value``-like accessors (``answers()``, ``rows()``,
``texts()``), a ``clear()`` and one ``on_change`` hook; the checks live in
:class:`~workbook.ui.visit_model.VisitModel`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as widgets

from ..clinical.questionnaires import odi_section_names, psfs_rule
from ..clinical.redflags import red_flags_table, referral_text
from .common import esc, fixed_width, full_width, message_html
from .visit_model import FLAGS_ASKED, FLAGS_NOT_ASKED, FLAGS_SAME, NOT_ANSWERED, odi_choices

__all__ = ["AdherenceSection", "OdiGrid", "PsfsSection", "RedFlagSection"]

Hook = Callable[[], None]

_SMALL = "font-size:12px;line-height:1.25;color:#333"

_FIRST_VISIT = (
    ("Not asked yet", FLAGS_NOT_ASKED),
    ("Asked every question below (tick any YES)", FLAGS_ASKED),
)
_LATER_VISIT = (
    ("Not asked today", FLAGS_NOT_ASKED),
    ("Any change since last time? No", FLAGS_SAME),
    ("Yes, something changed: go through the list", FLAGS_ASKED),
)


class OdiGrid(widgets.GridBox):
    """The ten ODI sections by name, each a 0-5 choice, five to a row (2 x 5)."""

    def __init__(self, on_change: Hook) -> None:
        choices = [("\u2013", NOT_ANSWERED), *odi_choices()[1:]]  # '–': not answered
        self.boxes = [
            widgets.Dropdown(options=choices, value=NOT_ANSWERED, layout=full_width())
            for _ in odi_section_names()
        ]
        cells = [
            widgets.VBox(
                [widgets.HTML(f"<div style='{_SMALL}'>{n}. {esc(name)}</div>"), box],
                layout=widgets.Layout(justify_content="space-between", min_width="0"),
            )
            for n, (name, box) in enumerate(zip(odi_section_names(), self.boxes, strict=True), 1)
        ]
        super().__init__(
            cells,
            layout=widgets.Layout(
                grid_template_columns="repeat(5, minmax(0, 1fr))", grid_gap="2px 6px"
            ),
        )
        for box in self.boxes:
            box.observe(lambda _change: on_change(), names="value")


class RedFlagSection(widgets.VBox):
    """The red-flag questions: all at the first visit, a quick re-check at later ones."""

    def __init__(self, on_change: Hook) -> None:
        table = red_flags_table()
        self._on_change = on_change
        self._mode = widgets.RadioButtons(options=_FIRST_VISIT, value=FLAGS_NOT_ASKED)
        self._mode.layout = widgets.Layout(width="auto")
        self.boxes: dict[str, widgets.Checkbox] = {}
        rows = []
        for flag, question in zip(table["red_flag"], table["question"], strict=True):
            box = widgets.Checkbox(value=False, indent=False, layout=fixed_width("24px"))
            self.boxes[flag] = box
            label = widgets.HTML(f"<div style='{_SMALL}'>{esc(question)}</div>")
            rows.append(widgets.HBox([box, label], layout=widgets.Layout(align_items="center")))
            box.observe(self._on_tick, names="value")
        self._list = widgets.GridBox(
            rows,
            layout=widgets.Layout(grid_template_columns="1fr 1fr", grid_gap="0 10px"),
        )
        self.warning = widgets.HTML()
        self._mode.observe(self._on_mode, names="value")
        super().__init__([widgets.HTML("<b>Red flags</b>"), self._mode, self._list, self.warning])
        self.first_visit = True

    def set_first_visit(self, first: bool) -> None:
        """First visit: every question; later: "any change since last time?" first."""
        self.first_visit = bool(first)
        self._mode.options = _FIRST_VISIT if first else _LATER_VISIT
        self._mode.value = FLAGS_NOT_ASKED
        self._show_list()

    def answers(self) -> tuple[str, list[str]]:
        """``(mode, flags answered yes)``."""
        return str(self._mode.value), [f for f, box in self.boxes.items() if box.value]

    def set_answers(self, mode: str, flags: Sequence[str]) -> None:
        for flag, box in self.boxes.items():
            box.value = flag in flags
        if mode not in dict(self._mode.options).values():
            mode = FLAGS_ASKED
        self._mode.value = mode
        self._show_list()
        self._warn()

    def clear(self) -> None:
        self.set_answers(FLAGS_NOT_ASKED, [])

    def _show_list(self) -> None:
        # the list is there at the first visit; at later ones only once "something changed"
        shown = self.first_visit or self._mode.value == FLAGS_ASKED or any(self.answers()[1])
        self._list.layout.display = None if shown else "none"

    def _warn(self) -> None:
        yes = self.answers()[1]
        self.warning.value = message_html(referral_text(yes), "error") if yes else ""

    def _on_tick(self, change: dict) -> None:
        if change["new"] and self._mode.value != FLAGS_ASKED:
            self._mode.value = FLAGS_ASKED  # a YES means the questions were asked
        self._warn()
        self._on_change()

    def _on_mode(self, _change: dict) -> None:
        self._show_list()
        self._on_change()


class PsfsSection(widgets.VBox):
    """Up to three activities the patient names, each rated 0-10 (names carried over)."""

    def __init__(self, on_change: Hook) -> None:
        most = int(psfs_rule("max_activities"))
        self.activities = [
            # In a row, "auto" alone would shrink the field to its text: it takes the row instead.
            widgets.Text(
                placeholder="activity, in the patient's words",
                layout=widgets.Layout(flex="1 1 auto", width="auto"),
            )
            for _ in range(most)
        ]
        self.scores = [
            widgets.Text(placeholder="0-10", layout=fixed_width("64px")) for _ in range(most)
        ]
        self.message = widgets.HTML()
        rows = [
            widgets.HBox([name, score], layout=full_width())
            for name, score in zip(self.activities, self.scores, strict=True)
        ]
        title = widgets.HTML(
            "<b>Activities (PSFS)</b> <span style='color:#555'>how able, "
            "0 = unable to 10 = as before</span>"
        )
        super().__init__([title, *rows, self.message])
        for box in [*self.activities, *self.scores]:
            box.observe(lambda _change: on_change(), names="value")

    def rows(self) -> list[tuple[str, str]]:
        return [(a.value, s.value) for a, s in zip(self.activities, self.scores, strict=True)]

    def set_rows(self, rows: Sequence[tuple[str, str]]) -> None:
        padded = [*rows, *[("", "")] * len(self.activities)][: len(self.activities)]
        for (name, score), name_box, score_box in zip(
            padded, self.activities, self.scores, strict=True
        ):
            name_box.value, score_box.value = name, score

    def carry_over(self, names: Sequence[str]) -> None:
        """Last visit's activities, to be rated again today."""
        self.set_rows([(name, "") for name in names])


class AdherenceSection(widgets.HBox):
    """ "Days done of days prescribed since the last visit"."""

    def __init__(self, on_change: Hook) -> None:
        self.done = widgets.Text(placeholder="days done", layout=fixed_width("90px"))
        self.prescribed = widgets.Text(placeholder="prescribed", layout=fixed_width("90px"))
        self.message = widgets.HTML()
        super().__init__(
            [
                widgets.HTML("<b>Home programme</b> since the last visit:&nbsp;"),
                self.done,
                widgets.HTML("&nbsp;days done of&nbsp;"),
                self.prescribed,
                widgets.HTML("&nbsp;prescribed&nbsp;"),
                self.message,
            ],
            layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
        )
        for box in (self.done, self.prescribed):
            box.observe(lambda _change: on_change(), names="value")

    def texts(self) -> tuple[str, str]:
        return self.done.value, self.prescribed.value

    def set_texts(self, done: str, prescribed: str) -> None:
        self.done.value, self.prescribed.value = done, prescribed
