"""The progress tab's tables as HTML: review flags, range of motion, scores, PSFS, adherence.

Words from ``workbook.clinical.display``; the numbers stay raw in the model.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..clinical.display import (
    format_date,
    format_degrees,
    format_number,
    score_label,
    verdict_label,
)
from ..clinical.measures import motion_label
from .common import esc, html_table, message_html

__all__ = [
    "FLAG_TITLES",
    "adherence_html",
    "flags_html",
    "progress_table_html",
    "psfs_table_html",
    "scores_table_html",
]

#: The review flags (``clinical.review``) as the therapist reads them.
FLAG_TITLES = {
    "red_flag": "Red flag",
    "worse": "Worse",
    "not_responding": "Not responding",
    "asymmetry": "Left-right difference",
    "ready_to_progress": "Ready to progress",
    "reassess_due": "Reassessment due",
    "low_adherence": "Low adherence",
}
# severity -> message style (colour, and an icon that reads without colour)
_SEVERITY_KIND = {"high": "error", "medium": "warn", "low": "info"}

# the colour of each verdict on screen (the words, with a sign that reads without colour, come
# from clinical.display)
_VERDICT_COLOUR = {"improved": "#1b5e20", "worse": "#b71c1c", "not recorded": "#999"}


def _verdict_html(value: object) -> str:
    colour = _VERDICT_COLOUR.get(str(value), "#555")
    return f"<span style='color:{colour};font-weight:600'>{esc(verdict_label(value))}</span>"


def _value_on(value: str, day: Any) -> str:
    """A value over the small date it was measured on."""
    return f"{value}<br><small>{esc(format_date(day, missing=''))}</small>"


def progress_table_html(table: pd.DataFrame) -> str:
    """Range of motion progress, formatted for reading (the numbers stay raw in the model)."""
    if table is None or not len(table):
        return message_html("No range of motion recorded yet.", "info")
    rows = []
    for _, r in table.iterrows():
        note = ""
        if bool(r.get("instrument_changed", False)):
            note = "<br><span style='color:#8a6d00'>instrument changed: weaker comparison</span>"
        rows.append(
            [
                esc(motion_label(r["motion"])),
                esc(r["side"]),
                _value_on(format_degrees(r["baseline_degrees"]), r["baseline_date"]),
                _value_on(format_degrees(r["latest_degrees"]), r["latest_date"]),
                format_degrees(r["change_degrees"], signed=True),
                _verdict_html(r["real_change"])
                + f"<br><small>MDC {format_degrees(r['mdc_degrees'], digits=1)}</small>{note}",
                f"{format_number(r['percent_of_normal'], unit=' %')}"
                f"<br><small>normal {format_degrees(r['normal_degrees'])}</small>",
                format_degrees(r["side_difference_degrees"], signed=True),
                str(int(r["n_visits"])),
            ]
        )
    headers = ["Motion", "Side", "First", "Latest", "Change", "Real change?", "Of normal"]
    return html_table(rows, [*headers, "Left \u2212 right", "Visits"], escape=False)


def scores_table_html(scores: pd.DataFrame) -> str:
    """Pain and ODI progress, formatted for reading."""
    if scores is None or not len(scores):
        return ""
    rows = [
        [
            esc(score_label(r["measure"])),
            _value_on(format_number(r["baseline_points"]), r["baseline_date"]),
            _value_on(format_number(r["latest_points"]), r["latest_date"]),
            format_number(r["change_points"], signed=True),
            _verdict_html(r["important_change"])
            + f"<br><small>important change: {format_number(r['mcid_points'])} points "
            f"and {format_number(r['mcid_percent'], unit=' %')}</small>",
        ]
        for _, r in scores.iterrows()
    ]
    return html_table(
        rows, ["Score", "First", "Latest", "Change", "Important change?"], escape=False
    )


def flags_html(flags: pd.DataFrame | None) -> str:
    """The review flags, most severe first, coloured by severity; '' when there are none."""
    if flags is None or not len(flags):
        return ""
    return "".join(
        message_html(
            f"{FLAG_TITLES.get(row['flag'], str(row['flag']))}: {row['message']}",
            _SEVERITY_KIND.get(str(row["severity"]), "info"),
        )
        for row in flags.to_dict("records")
    )


def psfs_table_html(psfs: pd.DataFrame | None) -> str:
    """PSFS per activity and its mean, judged by the MDC."""
    if psfs is None or not len(psfs):
        return ""
    rows = [
        [
            esc("Mean of the activities" if r["activity"] == "(mean)" else r["activity"]),
            format_number(r["baseline_points"]),
            format_number(r["latest_points"]),
            format_number(r["change_points"], signed=True),
            _verdict_html(r["real_change"])
            + f"<br><small>MDC {format_number(r['mdc_points'])} points</small>",
        ]
        for r in psfs.to_dict("records")
    ]
    headers = ["Activity (PSFS, 0-10)", "First", "Latest", "Change", "Real change?"]
    return html_table(rows, headers, escape=False)


def adherence_html(summary: dict[str, Any]) -> str:
    """'Home programme: done on 18 of 24 prescribed days (75 %); last visit 71 %.'"""
    if not summary or not summary.get("visits_recorded"):
        return "<div style='color:#555'>Home programme: adherence not recorded yet.</div>"
    percent, latest = float(summary["percent"]), float(summary["latest_percent"])
    text = (
        f"Home programme: done on {int(summary['days_done'])} of "
        f"{int(summary['days_prescribed'])} prescribed days ({percent:.0f} %)"
    )
    if not math.isnan(latest):
        text += f"; at the latest visit {latest:.0f} %"
    return f"<div style='margin:2px 0'><b>{esc(text)}.</b></div>"
