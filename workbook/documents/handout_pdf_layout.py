"""The handout as A4 PDF pages, drawn with matplotlib's PDF backend, one or two stretches a page.

Layout is in inches from the top-left corner of an A4 page. Each block is measured first (lines
times line height), then blocks are packed two to a page when they fit, one when they don't.
Text is drawn with maths parsing off (so ``$`` stays a dollar sign).

Examples
--------
>>> import datetime as dt
>>> from workbook import PatientProfile, generate_routine
>>> from workbook.documents.handout_content import handout_items
>>> profile = PatientProfile(age=35, activity="active", floor_transfer=True, kneeling="comfortable")
>>> routine = generate_routine(profile)
>>> pages = pdf_pages(handout_items(routine), printed_on=dt.date(2024, 3, 5))
>>> len(pages) >= 1, pages[0].get_size_inches().round(2).tolist()
(True, [8.27, 11.69])
"""

from __future__ import annotations

import datetime as dt
import functools
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch
from matplotlib.textpath import TextToPath

from ..clinical.display import format_long_date
from .files import neutral_metadata, pdf_text
from .handout_content import FOOTER, NO_STRETCH, SAFETY_LINE, TITLE, HandoutItem
from .literal_text import literal_text
from .pictograms import draw_pose

__all__ = [
    "BODY_PT",
    "CAUTION_RED",
    "CONTENT_W",
    "FIGURE_H",
    "FIGURE_W",
    "FOOTER_H",
    "GAP",
    "GREY",
    "INK",
    "LABEL_W",
    "LINE",
    "MARGIN",
    "PAGE_H",
    "PAGE_W",
    "Block",
    "Part",
    "box",
    "draw_stack",
    "line_height",
    "paginate",
    "paragraph",
    "pdf_pages",
    "put",
    "write_pdf",
]

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


def line_height(size: float) -> float:
    return size * LINE / 72


@dataclass
class Block:
    """A measured piece of a page: its height and how to draw it at a given top."""

    height: float
    draw: Callable[[Figure, float], None]


def put(
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


def paragraph(
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
            put(fig, x, top + i * line_height(size), line, size, bold=bold, colour=colour)

    return len(lines) * line_height(size), draw


LABEL_W = 1.75  # the bold labels ("When to stop") sit in a left gutter, their text beside them


def _labelled(x: float, width: float, label: str, text: str) -> tuple[float, Callable]:
    """A bold label in the gutter with its text beside it: 'When to stop' | 'Pain in ...'."""
    h1, d1 = paragraph(x, LABEL_W - 0.1, label, bold=True)
    h2, d2 = paragraph(x + LABEL_W, width - LABEL_W, text)

    def draw(fig: Figure, top: float) -> None:
        d1(fig, top)
        d2(fig, top)

    return max(h1, h2), draw


def box(
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


Part = tuple[float, Callable[[Figure, float], None], float]  # (height, draw, space after)


def _none_block(item: HandoutItem, number: int) -> Block:
    """A dashed box saying there is no stretch for this movement."""
    x0 = MARGIN
    h_label, d_label = paragraph(
        x0 + 0.2, CONTENT_W - 0.4, f"{number}. {item.movement_label}".upper(), 10, colour=GREY
    )
    h_text, d_text = paragraph(x0 + 0.2, CONTENT_W - 0.4, NO_STRETCH, 14, bold=True)
    height = 0.15 + h_label + h_text + 0.15

    def draw(fig: Figure, top: float) -> None:
        box(fig, x0, top, CONTENT_W, height, edge="#777777", face="white", dashed=True)
        d_label(fig, top + 0.15)
        d_text(fig, top + 0.15 + h_label)

    return Block(height, draw)


def _drawing_and_steps(item: HandoutItem) -> Part:
    """The drawing on the left, numbered steps beside it (hanging indent for the numbers)."""
    x0 = MARGIN
    steps_x = x0 + FIGURE_W + 0.25
    steps_w = CONTENT_W - FIGURE_W - 0.25
    step_lines = [
        (str(i) + ".", _wrap(s, steps_w - 0.3)) for i, s in enumerate(item.steps, start=1)
    ]
    steps_h = sum(len(lines) for _, lines in step_lines) * line_height(BODY_PT) + 0.05 * len(
        step_lines
    )

    def draw(fig: Figure, top: float) -> None:
        ax = fig.add_axes(
            (x0 / PAGE_W, 1 - (top + FIGURE_H) / PAGE_H, FIGURE_W / PAGE_W, FIGURE_H / PAGE_H)
        )
        draw_pose(item.pose, ax)
        box(fig, x0, top, FIGURE_W, FIGURE_H, edge="#cccccc", face="none")
        y = top
        for label, lines in step_lines:
            put(fig, steps_x, y, label, bold=True)
            for line in lines:
                put(fig, steps_x + 0.3, y, line)
                y += line_height(BODY_PT)
            y += 0.05

    return max(FIGURE_H, steps_h), draw, 0.12


def _dose(item: HandoutItem) -> Part:
    """The dose in bold on a grey band."""
    h_dose, d_dose = paragraph(MARGIN + 0.12, CONTENT_W - 0.24, item.dose, 13, bold=True)
    height = h_dose + 0.12

    def draw(fig: Figure, top: float) -> None:
        box(fig, MARGIN, top, CONTENT_W, height, edge="#dddddd", face="#f1f1f1")
        d_dose(fig, top + 0.06)

    return height, draw, 0.1


def _cautions(cautions: Sequence[str]) -> Part:
    """'Take care' and one bullet per caution, in a red box."""
    x0 = MARGIN
    inner_x, inner_w = x0 + 0.22, CONTENT_W - 0.34
    h_head, d_head = paragraph(inner_x, inner_w, "Take care", 13, bold=True, colour=CAUTION_RED)
    bullets = [_wrap(c, inner_w - 0.22) for c in cautions]
    bullets_h = sum(len(b) for b in bullets) * line_height(BODY_PT) + 0.04 * len(bullets)
    box_h = 0.08 + h_head + bullets_h + 0.06

    def draw(fig: Figure, top: float) -> None:
        box(fig, x0, top, CONTENT_W, box_h, edge=CAUTION_RED, face="#fdf0ef")
        d_head(fig, top + 0.08)
        y = top + 0.08 + h_head
        for lines in bullets:
            put(fig, inner_x, y, "\u2022", bold=True, colour=CAUTION_RED)
            for line in lines:
                put(fig, inner_x + 0.22, y, line)
                y += line_height(BODY_PT)
            y += 0.04

    return box_h, draw, 0.0


def _pdf_item(item: HandoutItem, number: int) -> Block:
    if not item.has_stretch:
        return _none_block(item, number)
    x0 = MARGIN
    label = f"{number}. {item.movement_label}".upper()
    parts: list[Part] = [
        (*paragraph(x0, CONTENT_W, label, 10, colour=GREY), 0.0),
        (*paragraph(x0, CONTENT_W, item.name, 16, bold=True), 0.08),
        _drawing_and_steps(item),
        _dose(item),
    ]
    for name, text in (
        ("You need", item.equipment),
        ("What you should feel", item.feel),
        ("When to stop", item.stop_if),
    ):
        if text:
            parts.append((*_labelled(x0, CONTENT_W, name, text), 0.06))
    if item.cautions:
        parts.append(_cautions(item.cautions))
    height = sum(h + after for h, _, after in parts)
    return Block(height, lambda fig, top: draw_stack(parts, fig, top))


def draw_stack(parts: list[Part], fig: Figure, top: float) -> None:
    """Draw (height, draw, space after) parts one below the other from ``top`` (inches)."""
    y = top
    for h, d, after in parts:
        d(fig, y)
        y += h + after


def _pdf_header(
    patient_name: str | None, clinic: str | None, note: str, printed_on: dt.date
) -> Block:
    x0 = MARGIN
    parts: list[Part] = []
    if clinic:
        parts.append((*paragraph(x0, CONTENT_W, clinic, 11, colour=GREY), 0.02))
    parts.append((*paragraph(x0, CONTENT_W, TITLE, 22, bold=True), 0.05))
    meta = (f"For {patient_name}   \u00b7   " if patient_name else "") + (
        f"Printed {format_long_date(printed_on)}"
    )
    parts.append((*paragraph(x0, CONTENT_W, meta, BODY_PT), 0.12))
    if note.strip():
        inner_x, inner_w = x0 + 0.15, CONTENT_W - 0.3
        h_head, d_head = paragraph(
            inner_x, inner_w, "From your therapist", BODY_PT, bold=True, colour="#1f5fa8"
        )
        h_note, d_note = paragraph(inner_x, inner_w, note.strip(), BODY_PT)
        box_h = 0.08 + h_head + h_note + 0.08

        def draw_note(fig: Figure, top: float) -> None:
            box(fig, x0, top, CONTENT_W, box_h, edge="#1f5fa8", face="#eef4fb")
            d_head(fig, top + 0.08)
            d_note(fig, top + 0.08 + h_head)

        parts.append((box_h, draw_note, 0.12))
    parts.append((*paragraph(x0, CONTENT_W, SAFETY_LINE, BODY_PT, bold=True), 0.1))
    height = sum(h + after for h, _, after in parts)

    def draw(fig: Figure, top: float) -> None:
        draw_stack(parts, fig, top)
        rule_y = 1 - (top + height) / PAGE_H
        fig.add_artist(
            Line2D([x0 / PAGE_W, (x0 + CONTENT_W) / PAGE_W], [rule_y, rule_y], color=INK, lw=1.5)
        )

    return Block(height + 0.2, draw)


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
    extra: Sequence[Block] = (),
) -> list[Figure]:
    """The PDF handout's pages as A4 figures (also handy to preview a page as PNG).

    ``extra`` blocks (the home sheet) follow the stretches, each starting where it fits.
    """
    day = printed_on or dt.date.today()
    # Every text is literal (``_put`` says so too): a name or note is never read as mathtext.
    with literal_text(), matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        header = _pdf_header(patient_name, clinic, note, day)
        blocks = [_pdf_item(item, i) for i, item in enumerate(items, start=1)]
        blocks += list(extra)
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
            put(fig, PAGE_W / 2, foot_top, FOOTER, BODY_PT, bold=True, ha="center")
            put(
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


def write_pdf(path: Path, figures: Sequence[Figure]) -> None:
    """Save the pages as one PDF at ``path``, with neutral metadata (a title, no name or date)."""
    metadata = neutral_metadata("pdf", {"Title": TITLE})
    with (
        pdf_text(),
        PdfPages(path, metadata=metadata) as pdf,
    ):
        for fig in figures:
            pdf.savefig(fig)
