"""The home sheet's PDF blocks: session time and tick sheet, the pain rule, when to seek help.

Drawn with the handout's own PDF helpers, after the stretches; the texts come from
:func:`workbook.clinical.home_sheet.home_sheet`, in the patient's words.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..clinical.home_sheet import HomeSheet
from .handout_html_layout import DAYS
from .handout_pdf_layout import (
    CAUTION_RED,
    CONTENT_W,
    MARGIN,
    PAGE_H,
    PAGE_W,
    Block,
    Part,
    box,
    draw_stack,
    paragraph,
    put,
)

__all__ = ["home_sheet_blocks"]

_NAME_W = 3.7  # the stretch names' column of the tick sheet, in inches
_ROW_H = 0.36


def _tick_table(sheet: HomeSheet) -> Part:
    day_w = (CONTENT_W - _NAME_W) / len(DAYS)
    height = _ROW_H * (len(sheet.rows) + 1)

    def draw(fig: Figure, top: float) -> None:
        for column, day in enumerate(DAYS):
            x = MARGIN + _NAME_W + column * day_w
            put(fig, x + day_w / 2, top + 0.08, day, 10, bold=True, ha="center")
        for row, name in enumerate(sheet.rows, start=1):
            y = top + row * _ROW_H
            put(fig, MARGIN + 0.05, y + 0.09, name, 10.5)
            for column in range(len(DAYS)):
                x = MARGIN + _NAME_W + column * day_w
                fig.add_artist(
                    Rectangle(
                        ((x + 0.08) / PAGE_W, 1 - (y + _ROW_H - 0.05) / PAGE_H),
                        (day_w - 0.16) / PAGE_W,
                        (_ROW_H - 0.1) / PAGE_H,
                        transform=fig.transFigure,
                        facecolor="white",
                        edgecolor="#555555",
                        lw=1.2,
                    )
                )

    return height, draw, 0.12


def _boxed(title: str, lines: tuple[str, ...], *, edge: str, face: str) -> Part:
    inner_x, inner_w = MARGIN + 0.18, CONTENT_W - 0.36
    h_title, d_title = paragraph(inner_x, inner_w, title, 13, bold=True, colour=edge)
    bodies = [paragraph(inner_x, inner_w, line) for line in lines]
    gap = 0.06
    height = 0.1 + h_title + sum(h + gap for h, _ in bodies) + 0.06

    def draw(fig: Figure, top: float) -> None:
        box(fig, MARGIN, top, CONTENT_W, height, edge=edge, face=face)
        d_title(fig, top + 0.1)
        y = top + 0.1 + h_title
        for h, d in bodies:
            d(fig, y)
            y += h + gap

    return height, draw, 0.14


def home_sheet_blocks(sheet: HomeSheet) -> list[Block]:
    """One block: the plan with its tick sheet, then the two safety boxes (kept together)."""
    plan = f"About {sheet.minutes} minutes a session, {sheet.days_per_week} days a week."
    ticks: list[Part] = [
        (*paragraph(MARGIN, CONTENT_W, "Your week", 16, bold=True), 0.04),
        (*paragraph(MARGIN, CONTENT_W, plan, 13, bold=True), 0.04),
        (*paragraph(MARGIN, CONTENT_W, sheet.tick_intro), 0.1),
        _tick_table(sheet),
    ]
    safety: list[Part] = [
        _boxed("How much discomfort is fine", sheet.pain_rules, edge="#1f5fa8", face="#eef4fb"),
        _boxed("Call us, or get help today, if", sheet.seek_help, edge=CAUTION_RED, face="#fdf0ef"),
    ]
    return [_stacked([*ticks, *safety])]


def _stacked(parts: list[Part]) -> Block:
    def draw(fig: Figure, top: float) -> None:
        draw_stack(parts, fig, top)

    return Block(sum(h + after for h, _, after in parts), draw)
