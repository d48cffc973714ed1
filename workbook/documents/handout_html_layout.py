"""The handout as one self-contained HTML page: inline CSS with a print stylesheet, large type.

Drawings are inlined as SVG data (no external address), one stretch per block. Text from the
therapist or the patient (name, clinic, note) and the table's text are escaped with
:func:`html.escape`.

Examples
--------
>>> import datetime as dt
>>> page = handout_html([], patient_name="<b>A. Patient</b>", printed_on=dt.date(2024, 3, 5))
>>> "&lt;b&gt;A. Patient&lt;/b&gt;" in page, "5 March 2024" in page
(True, True)
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import html
from collections.abc import Sequence

from ..clinical.display import format_long_date
from ..clinical.home_sheet import HomeSheet
from .handout_content import FOOTER, NO_STRETCH, SAFETY_LINE, TITLE, HandoutItem
from .pictograms import pose_description, pose_svg

__all__ = ["DAYS", "handout_html"]

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
.plan { font-size: 1.2rem; font-weight: 700; margin: 1.25rem 0 .4rem; }
table.ticks { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
table.ticks th, table.ticks td { border: 2px solid #555; padding: .35rem .4rem; }
table.ticks td.box { width: 2.6rem; }
table.ticks th { font-size: 1rem; }
.rules { border: 2px solid #1f5fa8; border-radius: 8px; background: #eef4fb;
         padding: .6rem 1rem; margin: 1rem 0 0; }
.help { border: 3px solid #b3261e; border-radius: 8px; background: #fdf0ef;
        padding: .6rem 1rem; margin: 1rem 0 0; break-inside: avoid; }
.rules h2, .help h2 { font-size: 1.2rem; margin: 0 0 .3rem; }
.help h2 { color: #8c1d18; }
.rules p, .help p { margin: .3rem 0; }
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


DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _home_sheet_html(sheet: HomeSheet) -> str:
    """Session time, the weekly tick sheet, the pain rule and when to seek help."""
    days = "".join(f"<th>{d}</th>" for d in DAYS)
    boxes = '<td class="box"></td>' * len(DAYS)
    rows = "".join(f"<tr><td>{_esc(name)}</td>{boxes}</tr>" for name in sheet.rows)
    rules = "".join(f"<p>{_esc(rule)}</p>" for rule in sheet.pain_rules)
    helps = "".join(f"<p>{_esc(line)}</p>" for line in sheet.seek_help)
    return (
        f'<div class="home">\n<p class="plan">About {sheet.minutes} minutes a session, '
        f"{sheet.days_per_week} days a week.</p>\n"
        f"<p>{_esc(sheet.tick_intro)}</p>\n"
        f'<table class="ticks"><tr><th>Stretch</th>{days}</tr>{rows}</table>\n'
        f'<div class="rules"><h2>How much discomfort is fine</h2>{rules}</div>\n'
        f'<div class="help"><h2>Call us, or get help today, if</h2>{helps}</div>\n'
        "</div>"
    )


def handout_html(
    items: Sequence[HandoutItem],
    *,
    sheet: HomeSheet | None = None,
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
    meta.append(f"Printed {_esc(format_long_date(printed_on))}")
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
        f"<main>\n{blocks}\n{_home_sheet_html(sheet) if sheet else ''}\n</main>\n"
        f"<footer>{_esc(FOOTER)}</footer>\n"
        "</body>\n</html>\n"
    )
