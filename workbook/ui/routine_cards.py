"""The routine as compact cards: what the routine screen shows, as HTML (no widgets).

Each movement is one card of two lines so that all four fit a 1366 x 768 laptop at once: the
swap and dose inputs (widgets, in :mod:`workbook.ui.routine`), then one summary line (the
version, the position, the dose in words and a marker for each thing to check: equipment, a
dose outside the evidence range, cautions). The summary line opens the details on demand (a
``<details>`` element, so opening it costs the kernel nothing): why this stretch (for the
therapist), the cautions and stop signs the handout prints (for the patient), the steps.

The two readers stay apart: the therapist's reasoning is labelled "for you"; the cautions are
labelled as the handout's, in the patient's words.
"""

from __future__ import annotations

import pandas as pd

from ..clinical.display import dose_short, is_blank, movement_label
from .common import esc, html_table, lines_html, message_html

__all__ = [
    "card_details_html",
    "excluded_table_html",
    "notes_html",
    "one_option_html",
    "referral_html",
]

_MUTED = "color:#555"


def _cautions_html(text: object) -> str:
    body = lines_html(text)
    if not body:
        return ""
    return (
        '<div class="wb-caution" style="background:#fff4d6;border-left:4px solid #e0a100;'
        f'padding:3px 6px;color:#4a3500"><b>\u26a0 Caution</b> (on the handout)<br>{body}</div>'
    )


def _warning_html(text: object, kind: str = "dose") -> str:
    if is_blank(text) or not str(text).strip():
        return ""
    return (
        f'<span class="wb-{kind}-warning" style="color:#7a1f1f;background:#fdecea;'
        f'padding:0 5px;margin-left:6px;border-radius:2px">\u26a0 {esc(text)}</span>'
    )


def referral_html(referral: str) -> str:
    """A red-flag referral, prominent: no stretches today, what to do instead."""
    if not referral:
        return ""
    return (
        '<div class="wb-referral" style="border:2px solid #c62828;background:#fdecea;'
        'color:#7a1f1f;padding:8px 12px;margin:4px 0;font-size:14px;line-height:1.45">'
        f"<b>\u26d4 Refer, do not stretch.</b><br>{lines_html(referral)}</div>"
    )


def notes_html(notes: tuple[str, ...] | list[str]) -> str:
    """The routine's notes for the therapist (hip replacement: the surgeon's restrictions)."""
    items = [n for n in notes or () if str(n).strip()]
    if not items:
        return ""
    body = "<br>".join(esc(n) for n in items)
    return (
        '<div class="wb-therapist-notes" style="background:#e8f0fb;border-left:4px solid #1565c0;'
        f'padding:4px 8px;margin:2px 0;color:#1f3a5f"><b>For you:</b> {body}</div>'
    )


def _dose(row: pd.Series) -> str:
    return dose_short(
        row.get("hold_s"), row.get("reps"), row.get("per_week"), bool(row.get("per_side", False))
    )


def _summary_html(row: pd.Series, positions: dict[str, str], equipment_flag: str) -> str:
    """The one line always in sight: version, position, dose, and a marker per thing to check."""
    parts = [f"<b>{esc(row.get('intensity', ''))}</b>"]
    if not is_blank(row.get("position")):
        parts.append(esc(positions.get(row["position"], row["position"])))
    dose = _dose(row)
    if dose:
        parts.append(esc(dose))
    line = " &middot; ".join(p for p in parts if p)
    if equipment_flag:
        line += _warning_html(f"Equipment {equipment_flag}", "equipment")
    line += _warning_html(row.get("dose_warning"))
    if not is_blank(row.get("cautions_patient")) and str(row["cautions_patient"]).strip():
        line += (
            '<span class="wb-has-cautions" style="color:#5d4200;background:#fff4d6;'
            'padding:0 5px;margin-left:6px;border-radius:2px">\u26a0 cautions</span>'
        )
    if row.get("chosen_by", "") == "therapist":
        line += "<span style='color:#1565c0;margin-left:6px'>\u270e changed by the therapist</span>"
    return line


def _body_html(row: pd.Series, positions: dict[str, str], why_one: str) -> str:
    """What the details hold: the therapist's reasoning, the handout's cautions, the steps."""
    why = f"<div><b>{esc(row.get('name', ''))}</b></div>"
    why += f"<div><b>Why this one (for you):</b> {esc(row.get('reason', ''))}</div>"
    mind = lines_html(row.get("cautions_therapist"))
    if mind:
        why += f"<div class='wb-mind' style='color:#5d4200'><b>Mind:</b> {mind}</div>"
    if why_one:
        why += f"<div style='{_MUTED}'><b>Only this one fits:</b> {esc(why_one)}</div>"
    needs = ""
    if not is_blank(row.get("equipment")):
        needs = f"<div style='{_MUTED}'><b>Needs:</b> {esc(row['equipment'])}</div>"
    stop = ""
    if not is_blank(row.get("stop_if")):
        stop = f"<div><b>Stop if:</b> {esc(row['stop_if'])}</div>"
    steps = ""
    if not is_blank(row.get("cues")):
        steps = f"<div><b>Steps:</b><br>{lines_html(row['cues'])}</div>"
    return why + needs + _cautions_html(row.get("cautions_patient")) + stop + steps


def card_details_html(
    row: pd.Series, positions: dict[str, str], equipment_flag: str = "", why_one: str = ""
) -> str:
    """One movement's summary line, opening onto its details (reasoning, cautions, steps).

    Examples
    --------
    >>> row = pd.Series({"stretch_id": "s1", "name": "Sit & reach", "intensity": "gentle",
    ...                  "hold_s": 30, "reps": 2, "per_week": 5, "reason": "Fits <b>",
    ...                  "cautions_patient": "Go slowly"})
    >>> html = card_details_html(row, {})
    >>> "30 s hold" in html, "\u26a0 cautions" in html, "Fits &lt;b&gt;" in html
    (True, True, True)
    """
    if is_blank(row.get("stretch_id")):
        return "<i>No safe stretch in the table for this movement.</i>"
    return (
        '<details class="wb-card-details" style="line-height:1.4;font-size:13px">'
        '<summary style="cursor:pointer" title="Why this one, cautions and steps">'
        f"{_summary_html(row, positions, equipment_flag)}"
        f" <span style='{_MUTED};font-size:12px'>(why, cautions, steps)</span></summary>"
        '<div style="padding:4px 8px 6px 16px;border-left:3px solid #ddd;margin:2px 0 4px">'
        f"{_body_html(row, positions, why_one)}</div></details>"
    )


def one_option_html(why: str) -> str:
    """Why the swap list has one option, on one line (the whole text on hover and in details).

    ``width:0;min-width:100%`` keeps the long line from widening the notebook's output: the
    line takes the card's width instead of the text's.
    """
    if not why:
        return ""
    return (
        "<div class='wb-why-one' style='color:#555;font-size:12px;line-height:1.35;"
        "white-space:nowrap;overflow:hidden;text-overflow:ellipsis;width:0;min-width:100%'"
        f" title='{esc(why)}'>{esc(why)}</div>"
    )


def excluded_table_html(excluded: pd.DataFrame | None, labels: dict[str, str] | None = None) -> str:
    """What was left out for this patient, and why; movements in words (``labels``: the
    routine's ``movement`` -> ``movement_label``)."""
    if excluded is None or not len(excluded):
        return message_html("Nothing was left out for this patient.", "info")
    labels = labels or {}
    rows = [
        [
            str(r.get("name", r.get("stretch_id", ""))),
            labels.get(str(r.get("movement", ""))) or movement_label(r.get("movement", "")),
            str(r["reason"]),
        ]
        for _, r in excluded.iterrows()
    ]
    return html_table(rows, ["Stretch", "Movement", "Why it was left out"])
