"""Review flags: what the therapist should look at first when a patient comes back.

:func:`review` reads the visits and measurements the store returns (and the profile) and lists
the flags that apply, each with a severity and a message naming the numbers behind it. The
thresholds and severities live in ``data/review_rules.csv`` with their sources (clinical.md
sections 7, 11 and 12; workbook defaults marked). Pure logic.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import pandas as pd

from ..errors import WorkbookError
from .adapt import ready_to_progress
from .adherence import adherence_summary
from .measures import motion_label
from .outcomes import IMPROVED, WORSE, pain_change, progress, score_progress, side_readings
from .paths import data_file
from .profile import PatientProfile
from .redflags import referral_text
from .reference import mdc_degrees
from .tables import check_vocabulary, column_as_number, load_data_table

__all__ = ["FLAGS", "REVIEW_COLUMNS", "SEVERITIES", "review", "review_rules_table"]

FLAGS: tuple[str, ...] = (
    "red_flag",
    "worse",
    "not_responding",
    "asymmetry",
    "low_adherence",
    "ready_to_progress",
    "reassess_due",
)
SEVERITIES: tuple[str, ...] = ("high", "medium", "low")
REVIEW_COLUMNS: tuple[str, ...] = ("flag", "severity", "message")
_TOLERANCE = 1e-6


@functools.cache
def _rules(path: Path) -> pd.DataFrame:
    table = load_data_table("review_rules.csv", ["flag", "severity", "threshold", "unit", "source"])
    check_vocabulary(table, "flag", FLAGS, key="flag")
    check_vocabulary(table, "severity", SEVERITIES, key="flag")
    table["threshold"] = column_as_number(table, "threshold", key="flag", minimum=0)
    missing = [f for f in FLAGS if f not in set(table["flag"])]
    if missing:
        raise WorkbookError("flag", missing, "a row for every flag", where="review_rules.csv")
    return table.set_index("flag", drop=False)


def review_rules_table() -> pd.DataFrame:
    """``data/review_rules.csv``, indexed by flag."""
    return _rules(data_file("review_rules.csv")).copy()


def _thresholds() -> tuple[dict[str, float], dict[str, str]]:
    table = _rules(data_file("review_rules.csv"))
    flags = [str(f) for f in table["flag"].tolist()]
    values = [float(v) for v in table["threshold"].tolist()]
    severities = [str(v) for v in table["severity"].tolist()]
    return dict(zip(flags, values, strict=True)), dict(zip(flags, severities, strict=True))


def _worse(measurements: pd.DataFrame | None, visits: pd.DataFrame | None, profile) -> list[str]:
    found = []
    if visits is not None and len(visits):
        for row in score_progress(visits).itertuples():
            if row.important_change == WORSE:
                found.append(
                    f"{row.measure} {row.baseline_points:g} -> {row.latest_points:g} "
                    f"(worse by at least the MCID of {row.mcid_points:g})"
                )
        change = pain_change(visits)
        if change is not None and change[1] - change[0] + _TOLERANCE >= 2:
            found.append(f"pain flare {change[0]:g} -> {change[1]:g} since the previous visit")
    if measurements is not None and len(measurements):
        table = progress(measurements, visits, profile)
        for lost in table[table["real_change"] == WORSE].to_dict("records"):
            found.append(
                f"{lost['side']} {motion_label(lost['motion']).lower()} "
                f"{lost['baseline_degrees']:g} -> {lost['latest_degrees']:g} degrees "
                f"(MDC {lost['mdc_degrees']:g})"
            )
    return found


def _span(measurements: pd.DataFrame | None, visits: pd.DataFrame | None) -> tuple[int, float]:
    """Visits so far and days from the first to the last."""
    dates = []
    for frame in (visits, measurements):
        if frame is not None and len(frame):
            dates.append(pd.to_datetime(frame["visit_date"]))
    if not dates:
        return 0, 0.0
    every = pd.concat(dates).drop_duplicates()
    return len(every), float((every.max() - every.min()).days)


def _any_real_change(measurements, visits, profile) -> bool:
    scores = score_progress(visits) if visits is not None and len(visits) else None
    if scores is not None and (scores["important_change"] == IMPROVED).any():
        return True
    if measurements is None or not len(measurements):
        return False
    return bool((progress(measurements, visits, profile)["real_change"] == IMPROVED).any())


def review(
    measurements: pd.DataFrame | None,
    visits: pd.DataFrame | None,
    profile: PatientProfile | None = None,
    *,
    today: object = None,
) -> pd.DataFrame:
    """The flags that apply to this patient now, most severe first.

    Parameters
    ----------
    measurements, visits : DataFrame or None
        As ``store.measurements(patient_id)`` and ``store.visits(patient_id)`` return them;
        visits may carry ``days_done`` and ``days_prescribed`` (adherence).
    profile : PatientProfile, optional
        Its red flags, age and sex (normal values).
    today : date-like, optional
        For ``reassess_due``; the latest visit date when omitted (so the result depends only
        on the inputs).

    Returns
    -------
    DataFrame
        Columns ``flag`` (one of ``FLAGS``), ``severity`` ('high', 'medium', 'low'),
        ``message`` (for the therapist).
    """
    threshold, severity = _thresholds()
    flags: list[tuple[str, str]] = []
    if profile is not None and profile.red_flags:
        flags.append(("red_flag", referral_text(profile.red_flags)))
    worse = _worse(measurements, visits, profile)
    if worse:
        flags.append(("worse", "Worse: " + "; ".join(worse) + ". Reassess."))
    n_visits, days = _span(measurements, visits)
    window = threshold["not_responding"]
    long_enough = days >= window or n_visits >= 4
    if long_enough and not worse and not _any_real_change(measurements, visits, profile):
        flags.append(
            (
                "not_responding",
                f"No real change in pain, ODI or any motion after {n_visits} visits over "
                f"{days:g} days (MCID / MDC): reassess the diagnosis and the programme.",
            )
        )
    if measurements is not None and len(measurements):
        flags.extend(_asymmetry(measurements, threshold["asymmetry"]))
    adherence = adherence_summary(visits)
    line = threshold["low_adherence"]
    percent = float(adherence["percent"])
    if not math.isnan(percent) and percent + _TOLERANCE < line:
        flags.append(
            (
                "low_adherence",
                f"Home programme done on {adherence['days_done']} of "
                f"{adherence['days_prescribed']} prescribed days "
                f"({percent:.0f} %, below {line:g} %): "
                "ask what got in the way before judging the programme.",
            )
        )
    if measurements is not None and len(measurements):
        for text in ready_to_progress(measurements, visits, profile).values():
            flags.append(("ready_to_progress", text.replace("Progressed to", "Ready for")))
        flags.extend(_reassess(measurements, visits, today, threshold["reassess_due"]))
    frame = pd.DataFrame([(f, severity[f], m) for f, m in flags], columns=list(REVIEW_COLUMNS))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return frame.sort_values("severity", key=lambda s: s.map(order), kind="stable").reset_index(
        drop=True
    )


def _asymmetry(measurements: pd.DataFrame, multiple: float) -> list[tuple[str, str]]:
    found = []
    for row in side_readings(measurements).to_dict("records"):
        mdc = mdc_degrees(row["motion"]) * multiple
        gap = float(row["difference_degrees"])
        if abs(gap) + _TOLERANCE >= mdc:
            stiffer = "left" if gap < 0 else "right"
            found.append(
                (
                    "asymmetry",
                    f"{motion_label(row['motion'])}: left {row['left_degrees']:g} vs right "
                    f"{row['right_degrees']:g} degrees (difference {abs(gap):g}, at least "
                    f"the MDC of {mdc:g}): the {stiffer} side is stiffer.",
                )
            )
    return found


def _reassess(
    measurements: pd.DataFrame, visits: pd.DataFrame | None, today: object, days: float
) -> list[tuple[str, str]]:
    last = pd.Timestamp(pd.to_datetime(measurements["visit_date"]).max())
    if today is None:
        now = last
        if visits is not None and len(visits):
            now = max(now, pd.Timestamp(pd.to_datetime(visits["visit_date"]).max()))
    else:
        now = pd.Timestamp(str(today)) if not isinstance(today, pd.Timestamp) else today
    waited = (now - last).days
    if waited + _TOLERANCE >= days:
        return [
            (
                "reassess_due",
                f"Range of motion last measured {waited} days ago ({last.date().isoformat()}): "
                f"measure again (every {days:g} days).",
            )
        ]
    return []
