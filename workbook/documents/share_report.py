"""The ``report.html`` page of a shared case: one self-contained page a colleague opens.

The progress chart is embedded as the bundle's ``chart.png`` (print resolution, shown at screen
size, with a text alternative), then the progress table, pain and disability, the visits and the
routine: every number of the chart is also in those tables, as text. Every value is escaped with
:func:`html.escape`. Days count from the first visit; a de-identified case shows no date.

Why a PNG and not SVG: the PNG is already drawn for ``chart.png``, so the page costs no second
drawing of the chart (the slowest part of a share), and it looks the same in every browser and
mail reader, whatever fonts the colleague's computer has.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..clinical.display import count_label, format_cell, format_iso_date, score_label, yes_no
from ..clinical.measures import motion_label
from ..clinical.outcomes import progress, score_progress
from ..clinical.stretches import load_stretches, movement_label
from ..records.deidentify import DeidentifiedCase
from ..records.paths import workbook_version

__all__ = [
    "CHART_ALT",
    "CHART_SLOT",
    "EPOCH",
    "case_report_page",
    "chart_img",
    "html_table",
    "identifiers",
    "with_chart",
]

EPOCH = pd.Timestamp("2000-01-01")  # anchor for day offsets inside the chart, never shown

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0; } td, th { border: 1px solid #bbb;
padding: .25em .6em; text-align: left; } th { background: #f0f0f0; }
.banner { padding: .6em 1em; border-radius: 4px; background: #eef6ee; }
.banner.identified { background: #fde8e8; color: #8b0000; font-weight: bold; }
figure img { max-width: 100%; height: auto; }
@media print { body { margin: 0; } h2 { break-after: avoid; } }
"""


CHART_ALT = (
    "Progress chart: range of motion of each hip motion, left and right, by day since the "
    "first visit, against the normal range and the first value plus or minus the MDC; pain "
    "and disability below. The same numbers are in the tables that follow."
)


def chart_img(png: bytes) -> str:
    """An ``<img>`` carrying the PNG itself, shown at half its pixel size (print resolution).

    Examples
    --------
    >>> header = b"\\x89PNG\\r\\n\\x1a\\n" + bytes(4) + b"IHDR"
    >>> tag = chart_img(header + (2000).to_bytes(4, "big") + (1070).to_bytes(4, "big"))
    >>> tag.startswith('<img src="data:image/png;base64,'), 'width="1000" height="535"' in tag
    (True, True)
    """
    size = ""
    if len(png) >= 24 and png[12:16] == b"IHDR":
        width, height = (int.from_bytes(png[i : i + 4], "big") // 2 for i in (16, 20))
        size = f' width="{width}" height="{height}"'
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}"{size} alt="{html.escape(CHART_ALT)}">'


def html_table(frame: pd.DataFrame) -> str:
    """A DataFrame as an HTML table, every cell worded by ``display.format_cell`` and escaped.

    Examples
    --------
    >>> page = html_table(pd.DataFrame({"Side": ["<left>"], "Degrees": [41.26]}))
    >>> "<td>&lt;left&gt;</td><td>41.3</td>" in page
    True
    """
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(format_cell(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _days(dates: pd.Series) -> pd.Series:
    return (pd.to_datetime(dates) - EPOCH).dt.days


def _progress_display(case: DeidentifiedCase, m: pd.DataFrame, v: pd.DataFrame) -> pd.DataFrame:
    table = progress(m, v, case.profile)
    if table.empty:
        return pd.DataFrame({"Note": ["No range-of-motion measurements in this case."]})
    return pd.DataFrame(
        {
            "Motion": table["motion"].map(motion_label),
            "Side": table["side"],
            "First (day)": _days(table["baseline_date"]),
            "First (°)": table["baseline_degrees"],
            "Latest (day)": _days(table["latest_date"]),
            "Latest (°)": table["latest_degrees"],
            "Change (°)": table["change_degrees"],
            "MDC (°)": table["mdc_degrees"],
            "Real change?": table["real_change"],
            "% of normal": table["percent_of_normal"],
        }
    )


def _scores_display(v: pd.DataFrame) -> pd.DataFrame:
    scores = score_progress(v)
    return pd.DataFrame(
        {
            "Measure": scores["measure"].map(lambda m: score_label(m, scale=True)),
            "First": scores["baseline_points"],
            "Latest": scores["latest_points"],
            "Change": scores["change_points"],
            "Important change?": scores["important_change"],
        }
    )


def _routine_display(case: DeidentifiedCase) -> pd.DataFrame:
    if not case.routine:
        return pd.DataFrame({"Note": ["No routine was recorded with the visits."]})
    names = load_stretches().set_index("stretch_id")["name"]
    items = pd.DataFrame(case.routine["items"])
    return pd.DataFrame(
        {
            "Movement": items["movement"].map(movement_label),
            "Stretch": items["stretch_id"].map(lambda s: names.get(s, s or "none safe")),
            "Hold (s)": items["hold_s"],
            "Reps": items["reps"],
            "Days/week": items["per_week"],
            "Chosen by": items["chosen_by"],
        }
    )


_NOTES_WARNING = (
    "free-text visit notes (visits.csv and the report's visit table), written by hand: they may "
    "name the patient, other people, places or dates"
)


def identifiers(case: DeidentifiedCase, identified: Mapping[str, Any] | None) -> list[str]:
    """What in a shared case identifies, or may identify, the patient; empty when nothing does.

    The same words label ``case.json``, ``README.txt``, the report and the call's warning.
    """
    found = []
    if identified:
        found.append("the patient's name and the date of the first visit (report.html)")
    if case.notes_included:
        found.append(_NOTES_WARNING)
    return found


def _banner(case: DeidentifiedCase, identified: Mapping[str, Any] | None) -> str:
    notes = (
        '<p class="banner identified">Free-text notes are included: they were written by hand '
        "and may identify the patient or other people. Read them before sending this case.</p>"
        if case.notes_included
        else ""
    )
    if identified:
        return (
            '<p class="banner identified">IDENTIFIED: this report names the patient '
            f"({html.escape(identified['name'])}); first visit "
            f"{format_iso_date(identified['first_visit'])}. "
            "Do not send it outside the clinic.</p>" + notes
        )
    if case.notes_included:
        return (
            '<p class="banner">De-identified (HIPAA Safe Harbor) except the notes: no name, '
            "dates, contact details or record numbers in any other field. Days count from the "
            "first visit.</p>" + notes
        )
    return (
        '<p class="banner">De-identified (HIPAA Safe Harbor): no name, dates, contact '
        "details or record numbers. Days count from the first visit.</p>"
    )


def _facts_html(case: DeidentifiedCase) -> str:
    profile = case.profile
    facts = {
        "Age band": case.age_band,
        "Activity": profile.activity,
        "Gets down to and up from the floor": yes_no(profile.floor_transfer),
        "Kneeling": profile.kneeling,
        "Conditions": ", ".join(sorted(profile.conditions)) or "none recorded",
        "Visits": str(len(case.visits)),
        "Course of care": count_label(int(case.visits["day"].max()), "day"),
    }
    return "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in facts.items()
    )


def _visits_display(case: DeidentifiedCase) -> pd.DataFrame:
    visits = case.visits.drop(columns=["odi_sections"]).rename(
        columns={
            "visit": "Visit",
            "day": "Day",
            "pain_nprs": "Pain (0-10)",
            "odi_index": "ODI %",
            "notes": "Notes",
        }
    )
    return visits if case.notes_included else visits.drop(columns="Notes")


CHART_SLOT = "<!-- chart -->"  # never in the escaped text of a page: "<" is always escaped


def with_chart(page: str, png: bytes) -> str:
    """The page of :func:`case_report_page` with the chart's PNG in its place."""
    return page.replace(CHART_SLOT, chart_img(png), 1)


def case_report_page(
    case: DeidentifiedCase,
    identified: Mapping[str, Any] | None,
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> str:
    """The page with :data:`CHART_SLOT` where the chart goes: made while the chart's PNG is
    compressed, and completed by :func:`with_chart`."""
    m, v = frames
    code = html.escape(case.case_code)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Shared case {code}</title>
<style>{_STYLE}</style></head>
<body>
<h1>Hip mobility case {code}</h1>
{_banner(case, identified)}
<h2>Patient</h2><table>{_facts_html(case)}</table>
<h2>Range of motion over the course of care</h2>
<figure>{CHART_SLOT}</figure>
<h2>Progress</h2>{html_table(_progress_display(case, m, v))}
<p>A change counts as real when it reaches the minimal detectable change (MDC95) of the motion.</p>
<h2>Pain and disability</h2>{html_table(_scores_display(v))}
<h2>Visits</h2>{html_table(_visits_display(case))}
<h2>Home routine</h2>{html_table(_routine_display(case))}
<p><small>Made with the Hip Mobility Workbook {html.escape(workbook_version())}.</small></p>
</body></html>
"""
