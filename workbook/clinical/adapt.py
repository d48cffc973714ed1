"""Routines that follow the measurements: side focus, progression and regression.

The thresholds live in ``data/routine_rules.csv`` (clinical.md section 11, workbook defaults):

- **side focus**: a left-right difference of at least the motion's MDC puts the stiffer side
  first, with one extra set;
- **progression**: a movement moves to its intense version when every measured side of its
  motion improved by the MDC since baseline or reached 90 % of normal, and pain did not rise by
  the NPRS MCID since the previous visit;
- **regression**: after a pain rise of 2 points or more since the previous visit (or symptoms
  spreading down the leg, a ``symptoms_spreading`` column of the visits), every movement gets
  its gentle version with shorter holds.

Every decision comes with the therapist's reason naming the numbers that triggered it. The same
inputs always give the same plan. Pure logic.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .measures import motion_label
from .outcomes import pain_change, progress, side_readings
from .paths import data_file
from .profile import PatientProfile
from .reference import mdc_degrees
from .stretches import movements_table
from .tables import column_as_number, load_data_table

__all__ = ["Focus", "Plan", "make_plan", "ready_to_progress", "routine_rule"]

_TOLERANCE = 1e-6


@functools.cache
def _rules(path: Path) -> dict[str, float]:
    table = load_data_table("routine_rules.csv", ["rule", "value", "unit", "source"])
    table["value"] = column_as_number(table, "value", key="rule", minimum=0)
    return dict(zip(table["rule"], table["value"], strict=True))


def routine_rule(name: str) -> float:
    """A threshold of ``data/routine_rules.csv``.

    >>> routine_rule("regress_pain_rise")
    2.0
    """
    return float(_rules(data_file("routine_rules.csv"))[name])


@dataclass(frozen=True)
class Focus:
    """The stiffer side of one movement, and the therapist's reason."""

    side: str
    reason: str


@dataclass(frozen=True)
class Plan:
    """What the measurements change in a routine; empty when nothing was measured."""

    regress_reason: str = ""
    focus: dict[str, Focus] = field(default_factory=dict)
    progress: dict[str, str] = field(default_factory=dict)


def _motions_by_movement() -> dict[str, str]:
    table = movements_table()
    return {m: mo for m, mo in zip(table["movement"], table["motion"], strict=True) if mo}


def _focus(measurements: pd.DataFrame) -> dict[str, Focus]:
    sides = {str(r["motion"]): r for r in side_readings(measurements).to_dict("records")}
    multiple = routine_rule("asymmetry_mdc_multiple")
    result = {}
    for movement, motion in _motions_by_movement().items():
        if motion not in sides:
            continue
        row = sides[motion]
        mdc = mdc_degrees(motion) * multiple
        gap = float(row["difference_degrees"])
        if abs(gap) + _TOLERANCE < mdc:
            continue
        side = "left" if gap < 0 else "right"
        date = pd.Timestamp(row["visit_date"]).date().isoformat()
        result[movement] = Focus(
            side,
            f"{motion_label(motion)}: left {row['left_degrees']:g} vs right "
            f"{row['right_degrees']:g} degrees on {date} (difference {abs(gap):g}, at least the "
            f"MDC of {mdc:g}): {side} side first with one extra set.",
        )
    return result


def ready_to_progress(
    measurements: pd.DataFrame, visits: pd.DataFrame | None, profile: PatientProfile | None
) -> dict[str, str]:
    """Movements whose motion meets the progression rule, with the therapist's reason.

    Pain is not checked here (:func:`make_plan` does); ``profile`` chooses the normal values.
    """
    table = progress(measurements, visits, profile)
    percent = routine_rule("progress_percent_of_normal")
    multiple = routine_rule("progress_mdc_multiple")
    result = {}
    for movement, motion in _motions_by_movement().items():
        rows = table[table["motion"] == motion]
        if rows.empty or (rows["n_visits"] < 2).any():
            continue
        gained = rows["change_degrees"] + _TOLERANCE >= rows["mdc_degrees"] * multiple
        near_normal = rows["percent_of_normal"] + _TOLERANCE >= percent
        if not (gained | near_normal).all():
            continue
        parts = [
            f"{r.side} {r.baseline_degrees:g} -> {r.latest_degrees:g} degrees "
            f"(change {r.change_degrees:g}, MDC {r.mdc_degrees:g}; "
            f"{r.percent_of_normal:.0f} % of normal)"
            for r in rows.itertuples()
        ]
        result[movement] = (
            f"Progressed to the intense version: {motion_label(motion).lower()} "
            + "; ".join(parts)
            + f", each improved by the MDC or at {percent:g} % of normal or more."
        )
    return result


def _regress_reason(visits: pd.DataFrame | None) -> str:
    reasons = []
    change = pain_change(visits)
    rise = routine_rule("regress_pain_rise")
    if change is not None and change[1] - change[0] + _TOLERANCE >= rise:
        reasons.append(
            f"pain rose from {change[0]:g} to {change[1]:g} since the previous visit "
            f"(a rise of {rise:g} or more)"
        )
    if visits is not None and "symptoms_spreading" in visits.columns and len(visits):
        latest = visits.assign(visit_date=pd.to_datetime(visits["visit_date"])).sort_values(
            "visit_date", kind="stable"
        )
        if bool(latest["symptoms_spreading"].fillna(False).iloc[-1]):
            reasons.append("symptoms spread down the leg at the latest visit")
    if not reasons:
        return ""
    return "Regressed to gentle versions with shorter holds: " + " and ".join(reasons) + "."


def make_plan(
    profile: PatientProfile,
    measurements: pd.DataFrame | None,
    visits: pd.DataFrame | None,
) -> Plan:
    """What the measurements and visits change in this patient's routine."""
    regress = _regress_reason(visits)
    if measurements is None or not len(measurements):
        return Plan(regress_reason=regress)
    focus = _focus(measurements)
    progressed: dict[str, str] = {}
    change = pain_change(visits)
    max_rise = routine_rule("progress_max_pain_rise")
    pain_ok = change is None or change[1] - change[0] + _TOLERANCE < max_rise
    if not regress and pain_ok:
        progressed = ready_to_progress(measurements, visits, profile)
        if change is not None:
            note = f" Pain {change[0]:g} -> {change[1]:g} since the previous visit."
            progressed = {m: text + note for m, text in progressed.items()}
    return Plan(regress_reason=regress, focus=focus, progress=progressed)
