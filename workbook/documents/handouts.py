"""The patient handout: the home routine as a printable sheet, in HTML or PDF.

One block per stretch: its name, a stick-figure drawing of the position, numbered steps, how long
to hold and how often, what the patient should feel, when to stop, and the cautions that apply to
this patient. The therapist-facing ``reason`` column is never printed: it is written for a
colleague, not for the patient.

The format follows the file's suffix:

- ``.html``: one self-contained file (inline CSS with a print stylesheet, drawings inlined as SVG
  data, no external address), large type, one stretch per block;
- ``.pdf``: A4 pages drawn with matplotlib's PDF backend, one or two stretches per page.

Text from the therapist or the patient (name, clinic, note) and the table's text are escaped with
:func:`html.escape` in HTML, and drawn with maths parsing off in PDF (so ``$`` stays a dollar sign).
The PDF's metadata is neutral: no patient name, no creation date.

Files are written to a temporary file beside the target and moved into place, so a failure never
leaves half a handout behind; the file is readable by its owner only, since it names a patient.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import html
import os
import re
import tempfile
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch
from matplotlib.textpath import TextToPath

from ..errors import WorkbookError, one_of
from .pictograms import draw_pose, pose_description, pose_svg

if TYPE_CHECKING:  # pragma: no cover - the handout only reads a routine's table
    from ..clinical.routine import Routine

__all__ = [
    "BODY_PT",
    "CAUTION_RED",
    "CONTENT_W",
    "FIGURE_H",
    "FIGURE_W",
    "FOOTER",
    "FOOTER_H",
    "GAP",
    "GREY",
    "INK",
    "LABEL_W",
    "LINE",
    "MARGIN",
    "NO_STRETCH",
    "REQUIRED_COLUMNS",
    "SAFETY_LINE",
    "SUFFIXES",
    "TITLE",
    "HandoutItem",
    "dose_text",
    "handout",
    "handout_html",
    "handout_items",
    "paginate",
    "pdf_pages",
]

SUFFIXES: tuple[str, ...] = (".html", ".pdf")
REQUIRED_COLUMNS: tuple[str, ...] = (
    "movement_label",
    "stretch_id",
    "name",
    "per_side",
    "hold_s",
    "reps",
    "per_week",
    "cues",
    "feel",
    "stop_if",
    "cautions_patient",
    "pictogram",
)

TITLE = "Your home stretches"
SAFETY_LINE = (
    "A stretch should feel like a steady pull, never like pain. Move into it slowly, breathe, and "
    "ease off if it starts to hurt; if the pain stays, stop and tell your therapist."
)
NO_STRETCH = "No stretch for this movement - ask your therapist."
FOOTER = "Bring this sheet to your next visit."


# --- What goes on the sheet (shared by both formats) --------------------------------------------


@dataclass(frozen=True)
class HandoutItem:
    """One block of the handout, as plain text ready for either format.

    ``name`` is empty when nothing in the stretch table was safe for the movement.
    """

    movement_label: str
    name: str
    pose: str
    steps: tuple[str, ...]
    dose: str
    equipment: str
    feel: str
    stop_if: str
    cautions: tuple[str, ...]

    @property
    def has_stretch(self) -> bool:
        return bool(self.name)


def _text(value: object) -> str:
    """A table cell as text: None and NaN (an empty cell) become ''."""
    if value is None:
        return ""
    if isinstance(value, float) and pd.isna(value):
        return ""
    return str(value).strip()


def _lines(value: object) -> tuple[str, ...]:
    """One item per non-empty line (a list or tuple is taken item by item)."""
    if isinstance(value, list | tuple):
        return tuple(t for t in (_text(v) for v in value) if t)
    return tuple(line.strip() for line in _text(value).splitlines() if line.strip())


_STEP_NUMBER = re.compile(r"^\s*\d+\s*[.)]\s*")


def _steps(cues: object) -> tuple[str, ...]:
    """'1. Sit.\\n2. Lean.' -> ('Sit.', 'Lean.'): the sheet numbers the steps itself."""
    return tuple(_STEP_NUMBER.sub("", line) for line in _lines(cues))


def _whole(value: object, field: str, where: str, minimum: int) -> int:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if pd.isna(number) or number != int(number) or number < minimum:
        raise WorkbookError(field, value, f"a whole number of at least {minimum}", where=where)
    return int(number)


def dose_text(hold_s: int, reps: int, per_week: int, per_side: bool) -> str:
    """'Hold 30 seconds, 3 times, each side, 5 days a week.' in plain words.

    Examples
    --------
    >>> dose_text(60, 1, 7, False)
    'Hold 60 seconds, once, every day.'
    """
    times = "once" if reps == 1 else f"{reps} times"
    days = "every day" if per_week == 7 else f"{per_week} day{'s' if per_week != 1 else ''} a week"
    side = ", each side" if per_side else ""
    seconds = f"{hold_s} second{'s' if hold_s != 1 else ''}"
    return f"Hold {seconds}, {times}{side}, {days}."


def _is_true(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1")
    return bool(value) and not (isinstance(value, float) and pd.isna(value))


def handout_items(routine: Routine) -> list[HandoutItem]:
    """The routine's rows as handout blocks, in the routine's order.

    Raises
    ------
    WorkbookError
        When ``routine`` has no ``table`` with the needed columns, the table is empty, or a
        stretch's hold, repetitions or days a week are not whole numbers of at least 1.
    """
    referral = getattr(routine, "referral", "")
    if referral:  # a red flag stands: no home programme until a doctor has seen the patient
        raise WorkbookError("routine", "a red flag stands", f"no handout; {referral}")
    table = getattr(routine, "table", None)
    if not isinstance(table, pd.DataFrame):
        raise WorkbookError(
            "routine", type(routine).__name__, "a Routine from workbook.generate_routine"
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise WorkbookError(
            "routine.table columns",
            missing,
            f"a routine table has the columns {', '.join(REQUIRED_COLUMNS)}",
        )
    if table.empty:
        raise WorkbookError("routine.table", "no rows", "at least one movement")
    items = []
    for _, row in table.iterrows():
        label = _text(row["movement_label"])
        name = _text(row["name"]) if _text(row["stretch_id"]) else ""
        if not name:
            items.append(HandoutItem(label, "", "", (), "", "", "", "", ()))
            continue
        where = f"routine row {label or _text(row.get('movement'))}"
        dose = dose_text(
            _whole(row["hold_s"], "hold_s", where, 1),
            _whole(row["reps"], "reps", where, 1),
            _whole(row["per_week"], "per_week", where, 1),
            _is_true(row["per_side"]),
        )
        items.append(
            HandoutItem(
                movement_label=label,
                name=name,
                pose=_text(row["pictogram"]),
                steps=_steps(row["cues"]),
                dose=dose,
                equipment=_text(row.get("equipment", "")),
                feel=_text(row["feel"]),
                stop_if=_text(row["stop_if"]),
                cautions=_lines(row["cautions_patient"]),
            )
        )
    return items


def _date_text(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- HTML ---------------------------------------------------------------------------------------

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body {
  font-family: "Atkinson Hyperlegible", Verdana, "DejaVu Sans", Arial, sans-serif;
  font-size: 20px; line-height: 1.5; color: #111; background: #fff;
  max-width: 52rem; margin: 0 auto; padding: 1.5rem;
}
header { border-bottom: 3px solid #111; padding-bottom: 1rem; margin-bottom: 1rem; }
.clinic { font-size: 1.05rem; color: #333; margin: 0; }
h1 { font-size: 2.1rem; line-height: 1.2; margin: .2rem 0 .4rem; }
.meta { margin: 0; font-size: 1.05rem; }
.note { border: 2px solid #1f5fa8; border-radius: 8px; background: #eef4fb;
        padding: .7rem 1rem; margin: .9rem 0 0; }
.note h2 { font-size: 1.05rem; margin: 0 0 .2rem; color: #1f5fa8; }
.note p { margin: 0; white-space: pre-line; }
.safety { font-weight: 700; margin: .9rem 0 0; }
.stretch { border: 2px solid #999; border-radius: 10px; padding: 1rem 1.25rem;
           margin: 1.25rem 0; break-inside: avoid; page-break-inside: avoid; }
.stretch.none { border-style: dashed; }
.movement { margin: 0; font-size: 1rem; color: #444; text-transform: uppercase;
            letter-spacing: .05em; }
.stretch h2 { font-size: 1.6rem; line-height: 1.25; margin: .1rem 0 .6rem; }
.body { display: grid; grid-template-columns: minmax(0, 19rem) 1fr; gap: 1.25rem;
        align-items: start; }
.body img { width: 100%; height: auto; display: block; border: 1px solid #ddd;
            border-radius: 6px; }
ol.steps { margin: 0; padding-left: 1.6rem; }
ol.steps li { margin: 0 0 .35rem; }
.dose { font-size: 1.2rem; font-weight: 700; background: #f1f1f1; border-radius: 6px;
        padding: .45rem .8rem; margin: .9rem 0 .5rem; }
.label { font-weight: 700; }
.facts p { margin: .35rem 0; }
.cautions { border-left: 10px solid #b3261e; background: #fdf0ef; border-radius: 4px;
            padding: .6rem 1rem; margin: .8rem 0 0; }
.cautions h3 { font-size: 1.2rem; margin: 0 0 .2rem; color: #8c1d18; }
.cautions ul { margin: 0; padding-left: 1.3rem; }
.cautions li { margin: .2rem 0; }
footer { border-top: 3px solid #111; margin-top: 1.5rem; padding-top: .8rem;
         font-size: 1.3rem; font-weight: 700; text-align: center; }
@media (max-width: 40rem) { .body { grid-template-columns: 1fr; } }
@media print {
  @page { size: A4; margin: 14mm; }
  body { font-size: 14pt; max-width: none; padding: 0; }
  .body { grid-template-columns: 6.5cm 1fr; }
  .note, .cautions, .dose { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .stretch { border-color: #555; }
}
"""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


@functools.cache
def _svg_data_uri(pose: str) -> str:
    # An <img> with SVG data keeps each drawing's internal ids to itself (inline <svg> elements
    # would share ids such as "figure_1" across the page) and still prints as vector art.
    return "data:image/svg+xml;base64," + base64.b64encode(pose_svg(pose).encode()).decode()


def _html_item(item: HandoutItem, number: int) -> str:
    if not item.has_stretch:
        return (
            '<section class="stretch none">\n'
            f'<p class="movement">{_esc(item.movement_label)}</p>\n'
            f"<h2>{_esc(NO_STRETCH)}</h2>\n"
            "</section>"
        )
    steps = "\n".join(f"<li>{_esc(step)}</li>" for step in item.steps)
    facts = []
    if item.equipment:
        facts.append(f'<p><span class="label">You need:</span> {_esc(item.equipment)}</p>')
    if item.feel:
        facts.append(f'<p><span class="label">What you should feel:</span> {_esc(item.feel)}</p>')
    if item.stop_if:
        facts.append(f'<p><span class="label">When to stop:</span> {_esc(item.stop_if)}</p>')
    cautions = ""
    if item.cautions:
        lines = "\n".join(f"<li>{_esc(c)}</li>" for c in item.cautions)
        cautions = f'<div class="cautions">\n<h3>Take care</h3>\n<ul>\n{lines}\n</ul>\n</div>'
    return (
        '<section class="stretch">\n'
        f'<p class="movement">{number}. {_esc(item.movement_label)}</p>\n'
        f"<h2>{_esc(item.name)}</h2>\n"
        '<div class="body">\n'
        f'<img src="{_svg_data_uri(item.pose)}" alt="{_esc(pose_description(item.pose))}">\n'
        f'<ol class="steps">\n{steps}\n</ol>\n'
        "</div>\n"
        f'<p class="dose">{_esc(item.dose)}</p>\n'
        f'<div class="facts">\n{chr(10).join(facts)}\n</div>\n'
        f"{cautions}\n"
        "</section>"
    )


def handout_html(
    items: Sequence[HandoutItem],
    *,
    patient_name: str | None = None,
    clinic: str | None = None,
    note: str = "",
    printed_on: dt.date,
) -> str:
    """The handout as one self-contained HTML document (text)."""
    head = []
    if clinic:
        head.append(f'<p class="clinic">{_esc(clinic)}</p>')
    head.append(f"<h1>{_esc(TITLE)}</h1>")
    meta = []
    if patient_name:
        meta.append(f"For <strong>{_esc(patient_name)}</strong>")
    meta.append(f"Printed {_esc(_date_text(printed_on))}")
    head.append(f'<p class="meta">{" &middot; ".join(meta)}</p>')
    if note.strip():
        head.append(
            f'<div class="note">\n<h2>From your therapist</h2>\n<p>{_esc(note.strip())}</p>\n</div>'
        )
    head.append(f'<p class="safety">{_esc(SAFETY_LINE)}</p>')
    blocks = "\n".join(_html_item(item, i) for i, item in enumerate(items, start=1))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(TITLE)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<header>\n{chr(10).join(head)}\n</header>\n"
        f"<main>\n{blocks}\n</main>\n"
        f"<footer>{_esc(FOOTER)}</footer>\n"
        "</body>\n</html>\n"
    )


# --- PDF ----------------------------------------------------------------------------------------
# Layout in inches from the top-left corner of an A4 page. Each block is measured first (lines
# times line height), then blocks are packed two to a page when they fit, one when they don't.

PAGE_W, PAGE_H = 8.27, 11.69
MARGIN = 0.55
CONTENT_W = PAGE_W - 2 * MARGIN
FOOTER_H = 0.55
BODY_PT = 11.5
LINE = 1.28  # line height as a multiple of the font size
FIGURE_W = 2.55
FIGURE_H = FIGURE_W / 1.5
GAP = 0.22
INK = "#111111"
GREY = "#555555"
CAUTION_RED = "#8c1d18"


def _font(size: float, bold: bool) -> FontProperties:
    return FontProperties(family="DejaVu Sans", size=size, weight="bold" if bold else "normal")


@functools.cache
def _width_pt(text: str, size: float, bold: bool) -> float:
    """The drawn width of one line of text, in points."""
    width, _, _ = TextToPath().get_text_width_height_descent(text, _font(size, bold), ismath=False)
    return width


@functools.cache
def _char_width_pt(size: float, bold: bool) -> float:
    """Average character width of ordinary sentences, a first guess for textwrap's width."""
    sample = (
        "Sit near the front of a steady chair, keep your back flat and lean forward slowly "
        "from the hips until you feel a gentle pull."
    )
    return _width_pt(sample, size, bold) / len(sample)


def _wrap(text: str, width_in: float, size: float = BODY_PT, bold: bool = False) -> list[str]:
    # textwrap counts characters: start from the average character width, then narrow the
    # column until every line, measured in the drawn font, fits (wide letters, capitals).
    limit = width_in * 72
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        chars = max(8, int(limit / _char_width_pt(size, bold)))
        while True:
            wrapped = textwrap.wrap(paragraph, chars, break_long_words=True) or [""]
            if chars <= 8 or all(_width_pt(line, size, bold) <= limit for line in wrapped):
                break
            chars -= 1
        lines.extend(wrapped)
    return lines


def _line_h(size: float) -> float:
    return size * LINE / 72


@dataclass
class _Block:
    """A measured piece of a page: its height and how to draw it at a given top."""

    height: float
    draw: Callable[[Figure, float], None]


def _put(
    fig: Figure,
    x: float,
    top: float,
    text: str,
    size: float = BODY_PT,
    *,
    bold: bool = False,
    colour: str = INK,
    ha: str = "left",
) -> None:
    fig.text(
        x / PAGE_W,
        1 - top / PAGE_H,
        text,
        fontsize=size,
        va="top",
        ha=ha,
        fontweight="bold" if bold else "normal",
        color=colour,
        parse_math=False,
        usetex=False,
    )


def _paragraph(
    x: float,
    width: float,
    text: str,
    size: float = BODY_PT,
    *,
    bold: bool = False,
    colour: str = INK,
) -> tuple[float, Callable[[Figure, float], None]]:
    lines = _wrap(text, width, size, bold)

    def draw(fig: Figure, top: float) -> None:
        for i, line in enumerate(lines):
            _put(fig, x, top + i * _line_h(size), line, size, bold=bold, colour=colour)

    return len(lines) * _line_h(size), draw


LABEL_W = 1.75  # the bold labels ("When to stop") sit in a left gutter, their text beside them


def _labelled(x: float, width: float, label: str, text: str) -> tuple[float, Callable]:
    """A bold label in the gutter with its text beside it: 'When to stop' | 'Pain in ...'."""
    h1, d1 = _paragraph(x, LABEL_W - 0.1, label, bold=True)
    h2, d2 = _paragraph(x + LABEL_W, width - LABEL_W, text)

    def draw(fig: Figure, top: float) -> None:
        d1(fig, top)
        d2(fig, top)

    return max(h1, h2), draw


def _box(
    fig: Figure,
    left: float,
    top: float,
    width: float,
    height: float,
    *,
    edge: str,
    face: str,
    dashed: bool = False,
) -> None:
    fig.add_artist(
        FancyBboxPatch(
            (left / PAGE_W, 1 - (top + height) / PAGE_H),
            width / PAGE_W,
            height / PAGE_H,
            boxstyle="round,pad=0,rounding_size=0.006",
            transform=fig.transFigure,
            facecolor=face,
            edgecolor=edge,
            lw=1.4,
            linestyle="--" if dashed else "-",
            zorder=0,
        )
    )


def _pdf_item(item: HandoutItem, number: int) -> _Block:
    x0 = MARGIN
    if not item.has_stretch:
        h_label, d_label = _paragraph(
            x0 + 0.2, CONTENT_W - 0.4, f"{number}. {item.movement_label}".upper(), 10, colour=GREY
        )
        h_text, d_text = _paragraph(x0 + 0.2, CONTENT_W - 0.4, NO_STRETCH, 14, bold=True)
        height = 0.15 + h_label + h_text + 0.15

        def draw_none(fig: Figure, top: float) -> None:
            _box(fig, x0, top, CONTENT_W, height, edge="#777777", face="white", dashed=True)
            d_label(fig, top + 0.15)
            d_text(fig, top + 0.15 + h_label)

        return _Block(height, draw_none)

    parts: list[tuple[float, Callable, float]] = []  # (height, draw, space after)
    h, d = _paragraph(x0, CONTENT_W, f"{number}. {item.movement_label}".upper(), 10, colour=GREY)
    parts.append((h, d, 0.0))
    h, d = _paragraph(x0, CONTENT_W, item.name, 16, bold=True)
    parts.append((h, d, 0.08))

    # The drawing on the left, numbered steps beside it (hanging indent for the numbers).
    steps_x = x0 + FIGURE_W + 0.25
    steps_w = CONTENT_W - FIGURE_W - 0.25
    step_lines = [
        (str(i) + ".", _wrap(s, steps_w - 0.3)) for i, s in enumerate(item.steps, start=1)
    ]
    steps_h = sum(len(lines) for _, lines in step_lines) * _line_h(BODY_PT) + 0.05 * len(step_lines)
    row_h = max(FIGURE_H, steps_h)

    def draw_row(fig: Figure, top: float, pose: str = item.pose) -> None:
        ax = fig.add_axes(
            (x0 / PAGE_W, 1 - (top + FIGURE_H) / PAGE_H, FIGURE_W / PAGE_W, FIGURE_H / PAGE_H)
        )
        draw_pose(pose, ax)
        _box(fig, x0, top, FIGURE_W, FIGURE_H, edge="#cccccc", face="none")
        y = top
        for label, lines in step_lines:
            _put(fig, steps_x, y, label, bold=True)
            for line in lines:
                _put(fig, steps_x + 0.3, y, line)
                y += _line_h(BODY_PT)
            y += 0.05

    parts.append((row_h, draw_row, 0.12))

    h_dose, d_dose = _paragraph(x0 + 0.12, CONTENT_W - 0.24, item.dose, 13, bold=True)
    dose_h = h_dose + 0.12

    def draw_dose(fig: Figure, top: float) -> None:
        _box(fig, x0, top, CONTENT_W, dose_h, edge="#dddddd", face="#f1f1f1")
        d_dose(fig, top + 0.06)

    parts.append((dose_h, draw_dose, 0.1))
    for label, text in (
        ("You need", item.equipment),
        ("What you should feel", item.feel),
        ("When to stop", item.stop_if),
    ):
        if text:
            h, d = _labelled(x0, CONTENT_W, label, text)
            parts.append((h, d, 0.06))

    if item.cautions:
        inner_x, inner_w = x0 + 0.22, CONTENT_W - 0.34
        h_head, d_head = _paragraph(
            inner_x, inner_w, "Take care", 13, bold=True, colour=CAUTION_RED
        )
        bullets = [_wrap(c, inner_w - 0.22) for c in item.cautions]
        bullets_h = sum(len(b) for b in bullets) * _line_h(BODY_PT) + 0.04 * len(bullets)
        box_h = 0.08 + h_head + bullets_h + 0.06

        def draw_cautions(fig: Figure, top: float) -> None:
            _box(fig, x0, top, CONTENT_W, box_h, edge=CAUTION_RED, face="#fdf0ef")
            d_head(fig, top + 0.08)
            y = top + 0.08 + h_head
            for lines in bullets:
                _put(fig, inner_x, y, "\u2022", bold=True, colour=CAUTION_RED)
                for line in lines:
                    _put(fig, inner_x + 0.22, y, line)
                    y += _line_h(BODY_PT)
                y += 0.04

        parts.append((box_h, draw_cautions, 0.0))

    height = sum(h + after for h, _, after in parts)
    return _Block(height, lambda fig, top: _draw_stack(parts, fig, top))


def _draw_stack(parts: list[tuple[float, Callable, float]], fig: Figure, top: float) -> None:
    """Draw (height, draw, space after) parts one below the other from ``top`` (inches)."""
    y = top
    for h, d, after in parts:
        d(fig, y)
        y += h + after


def _pdf_header(
    patient_name: str | None, clinic: str | None, note: str, printed_on: dt.date
) -> _Block:
    x0 = MARGIN
    parts: list[tuple[float, Callable, float]] = []
    if clinic:
        parts.append((*_paragraph(x0, CONTENT_W, clinic, 11, colour=GREY), 0.02))
    parts.append((*_paragraph(x0, CONTENT_W, TITLE, 22, bold=True), 0.05))
    meta = (f"For {patient_name}   \u00b7   " if patient_name else "") + (
        f"Printed {_date_text(printed_on)}"
    )
    parts.append((*_paragraph(x0, CONTENT_W, meta, BODY_PT), 0.12))
    if note.strip():
        inner_x, inner_w = x0 + 0.15, CONTENT_W - 0.3
        h_head, d_head = _paragraph(
            inner_x, inner_w, "From your therapist", BODY_PT, bold=True, colour="#1f5fa8"
        )
        h_note, d_note = _paragraph(inner_x, inner_w, note.strip(), BODY_PT)
        box_h = 0.08 + h_head + h_note + 0.08

        def draw_note(fig: Figure, top: float) -> None:
            _box(fig, x0, top, CONTENT_W, box_h, edge="#1f5fa8", face="#eef4fb")
            d_head(fig, top + 0.08)
            d_note(fig, top + 0.08 + h_head)

        parts.append((box_h, draw_note, 0.12))
    parts.append((*_paragraph(x0, CONTENT_W, SAFETY_LINE, BODY_PT, bold=True), 0.1))
    height = sum(h + after for h, _, after in parts)

    def draw(fig: Figure, top: float) -> None:
        _draw_stack(parts, fig, top)
        rule_y = 1 - (top + height) / PAGE_H
        fig.add_artist(
            Line2D([x0 / PAGE_W, (x0 + CONTENT_W) / PAGE_W], [rule_y, rule_y], color=INK, lw=1.5)
        )

    return _Block(height + 0.2, draw)


def paginate(
    heights: Sequence[float], first_page_used: float, per_page: int = 2
) -> list[list[int]]:
    """Pack blocks (by height, in inches) onto pages in order: at most ``per_page`` each.

    A block goes on the current page when it fits below what is already there; otherwise it
    starts a new page. A block taller than a whole page gets a page of its own.
    """
    usable = PAGE_H - 2 * MARGIN - FOOTER_H
    pages: list[list[int]] = [[]]
    used = first_page_used
    for index, height in enumerate(heights):
        gap = GAP if pages[-1] else 0.0
        if pages[-1] and (len(pages[-1]) >= per_page or used + gap + height > usable):
            pages.append([])
            used, gap = 0.0, 0.0
        pages[-1].append(index)
        used += gap + height
    return pages


def pdf_pages(
    items: Sequence[HandoutItem],
    *,
    patient_name: str | None = None,
    clinic: str | None = None,
    note: str = "",
    printed_on: dt.date | None = None,
) -> list[Figure]:
    """The PDF handout's pages as A4 figures (also handy to preview a page as PNG)."""
    day = printed_on or dt.date.today()
    with matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        header = _pdf_header(patient_name, clinic, note, day)
        blocks = [_pdf_item(item, i) for i, item in enumerate(items, start=1)]
        pages = paginate([b.height for b in blocks], header.height)
        figures = []
        for page_number, indexes in enumerate(pages, start=1):
            fig = Figure(figsize=(PAGE_W, PAGE_H))
            top = MARGIN
            if page_number == 1:
                header.draw(fig, top)
                top += header.height
            for n, index in enumerate(indexes):
                if n:
                    top += GAP
                blocks[index].draw(fig, top)
                top += blocks[index].height
            foot_top = PAGE_H - MARGIN - 0.3
            _put(fig, PAGE_W / 2, foot_top, FOOTER, BODY_PT, bold=True, ha="center")
            _put(
                fig,
                MARGIN + CONTENT_W,
                foot_top + 0.02,
                f"Page {page_number} of {len(pages)}",
                9,
                colour=GREY,
                ha="right",
            )
            figures.append(fig)
    return figures


def _write_pdf(path: Path, figures: Sequence[Figure]) -> None:
    # Neutral metadata: a title and the program, no patient name, no dates.
    metadata = {
        "Title": TITLE,
        "Creator": "Hip Mobility Workbook",
        "Producer": None,
        "CreationDate": None,
    }
    # Type 42 keeps the text selectable (a screen reader or copy-paste works); compression keeps
    # the page text out of the raw bytes.
    with (
        matplotlib.rc_context({"pdf.fonttype": 42, "pdf.compression": 6}),
        PdfPages(path, metadata=metadata) as pdf,
    ):
        for fig in figures:
            pdf.savefig(fig)


# --- Entry point --------------------------------------------------------------------------------


def _optional_text(field: str, value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise WorkbookError(field, value, "text, or None to leave it out")


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=".handout-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def handout(
    routine: Routine,
    path: str | os.PathLike[str],
    *,
    patient_name: str | None = None,
    clinic: str | None = None,
    note: str = "",
    printed_on: dt.date | None = None,
) -> Path:
    """Write the patient's home-routine handout; the format follows the file's suffix.

    Parameters
    ----------
    routine : Routine
        From :func:`workbook.generate_routine` (only its ``table`` is read).
    path : str or path-like
        Where to write: ``.html`` for a self-contained web page with a print stylesheet,
        ``.pdf`` for A4 pages. The folder must exist; an existing file is replaced.
    patient_name, clinic : str, optional
        Printed in the header when given (escaped in HTML; never in PDF metadata).
    note : str
        A note from the therapist, printed in the header (escaped in HTML).
    printed_on : datetime.date, optional
        The date printed on the sheet; today when None.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    WorkbookError
        For a suffix other than ``.html`` or ``.pdf``, a missing folder, non-text name, clinic
        or note, or a routine without the needed table.

    Examples
    --------
    >>> import workbook  # doctest: +SKIP
    >>> profile = workbook.PatientProfile(age=80, activity="sedentary", floor_transfer=False,
    ...                                   kneeling="unable")  # doctest: +SKIP
    >>> workbook.handout(workbook.generate_routine(profile), "routine.pdf")  # doctest: +SKIP
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in SUFFIXES:
        raise WorkbookError("suffix", target.suffix or "(none)", one_of(SUFFIXES))
    if not target.parent.is_dir():
        raise WorkbookError("path", str(target), "a file in a folder that exists")
    patient_name = _optional_text("patient_name", patient_name)
    clinic = _optional_text("clinic", clinic)
    if not isinstance(note, str):
        raise WorkbookError("note", note, "text ('' for no note)")
    if printed_on is not None and not isinstance(printed_on, dt.date):
        raise WorkbookError("printed_on", printed_on, "a datetime.date, or None for today")
    day = printed_on or dt.date.today()
    items = handout_items(routine)

    if suffix == ".html":
        text = handout_html(
            items, patient_name=patient_name, clinic=clinic, note=note, printed_on=day
        )
        _write_atomically(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    else:
        figures = pdf_pages(
            items, patient_name=patient_name, clinic=clinic, note=note, printed_on=day
        )
        _write_atomically(target, lambda tmp: _write_pdf(tmp, figures))
    return target
