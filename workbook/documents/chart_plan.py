"""What a progress chart shows, worked out from the data before anything is drawn.

A :class:`ChartPlan` holds one :class:`MotionPanel` per motion (its readings per side, normal
value, MDC and first values) and the pain and ODI series; :class:`AxisLimits` are the axes that
fit it. Keeping this apart from the drawing (:mod:`workbook.documents.chart_draw`) lets the live
screen chart compare two plans and redraw only the lines when the picture around them is the
same.

Examples
--------
>>> import pandas as pd
>>> readings = pd.DataFrame({
...     "visit_id": ["v1", "v2"], "visit_date": ["2024-03-01", "2024-03-15"],
...     "motion": ["hip_flexion"] * 2, "side": ["left"] * 2, "degrees": [95.0, 104.0],
...     "instrument": ["goniometer"] * 2, "position": ["supine"] * 2})
>>> plan = plan_chart(readings, None, motions=None, profile=None)
>>> [panel.motion for panel in plan.panels], plan.panels[0].baselines
(['hip_flexion'], (('left', 95.0),))
>>> axis_limits(plan, headroom=False).fits(plan)
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from ..clinical.measures import MOTIONS, SIDES, check_motion
from ..clinical.outcomes import per_visit
from ..clinical.profile import PatientProfile
from ..clinical.reference import SCORES, NormalValue, mdc_degrees, normal_value
from ..errors import WorkbookError, one_of

__all__ = [
    "AxisLimits",
    "ChartPlan",
    "MotionPanel",
    "Series",
    "axis_limits",
    "date_numbers",
    "plan_chart",
    "score_series",
]

Series = tuple[np.ndarray, np.ndarray]  # (date numbers, values)

_DEGREE_STEP = 10  # y limits snap to tens of degrees: stable axes as new values arrive
_DAY_PAD = 7.0  # at least a week either side of the visits, so one visit still has an axis


@dataclass(frozen=True)
class MotionPanel:
    """One motion's panel: what is drawn in it and what its background depends on.

    Two panels compare equal when their background (motion, normal value, MDC, first values)
    is the same, whatever their readings.
    """

    motion: str
    normal: NormalValue
    mdc: float
    baselines: tuple[tuple[str, float], ...]  # (side, first value) for the sides measured
    series: dict[str, Series] = field(compare=False, hash=False)

    @property
    def extent(self) -> tuple[float, float]:
        """Lowest and highest degrees the panel must show."""
        values = [self.normal.degrees]
        if not math.isnan(self.normal.low_degrees):
            values += [self.normal.low_degrees, self.normal.high_degrees]
        for _, base in self.baselines:
            values += [base - self.mdc, base + self.mdc]
        for _, y in self.series.values():
            values += [float(y.min()), float(y.max())] if len(y) else []
        return min(values), max(values)


@dataclass(frozen=True)
class ChartPlan:
    """The whole chart: motion panels, score series and every date shown (as date numbers)."""

    panels: tuple[MotionPanel, ...]
    scores: dict[str, Series] = field(compare=False, hash=False)
    dates: np.ndarray = field(compare=False, hash=False)

    @property
    def has_scores(self) -> bool:
        """True when any pain or ODI score was recorded."""
        return any(len(x) for x, _ in self.scores.values())

    @property
    def layout_key(self) -> tuple:
        """What the cached background depends on, apart from the axis limits."""
        return (
            self.panels,
            tuple(score for score, (x, _) in self.scores.items() if len(x)),
        )


def date_numbers(dates: pd.Series) -> np.ndarray:
    """Dates as matplotlib date numbers (days), the x values of every series."""
    return mdates.date2num(pd.to_datetime(dates).to_numpy(dtype="datetime64[ns]"))


def _shown_motions(readings: pd.DataFrame, motions: Sequence[str] | str | None) -> list[str]:
    if motions is None:
        return [m for m in MOTIONS if m in set(readings["motion"])]
    if isinstance(motions, str):
        motions = [motions]
    shown = list(dict.fromkeys(check_motion(m) for m in motions))
    if not shown:
        raise WorkbookError("motions", motions, f"None or a list, each {one_of(MOTIONS)}")
    return shown


def plan_chart(
    measurements: pd.DataFrame,
    visits: pd.DataFrame | None,
    *,
    motions: Sequence[str] | None,
    profile: PatientProfile | None,
) -> ChartPlan:
    """Work out the panels and series of a progress chart (see ``charts.progress_chart``)."""
    if profile is not None and not isinstance(profile, PatientProfile):
        raise WorkbookError("profile", type(profile).__name__, "a PatientProfile or None")
    readings = per_visit(measurements)
    shown = _shown_motions(readings, motions)
    age = profile.age if profile is not None else None
    # Plain arrays and masks: this runs on every screen update, and per-motion pandas
    # filtering cost more than the drawing itself.
    x_all = date_numbers(readings["visit_date"])
    y_all = readings["degrees"].to_numpy(dtype="float64")
    motion_of = readings["motion"].to_numpy(dtype=object)
    side_of = readings["side"].to_numpy(dtype=object)
    position_of = readings["position"].to_numpy(dtype=object)
    panels = []
    for motion in shown:
        in_motion = motion_of == motion
        series: dict[str, Series] = {}
        baselines = []
        for side in SIDES:
            chosen = in_motion & (side_of == side)
            series[side] = (x_all[chosen], y_all[chosen])
            if chosen.any():
                baselines.append((side, float(y_all[chosen][0])))
        # readings are in date order: the last of the motion is its latest position
        position = position_of[in_motion][-1] if in_motion.any() else None
        panels.append(
            MotionPanel(
                motion=motion,
                normal=normal_value(motion, age=age, position=position or None),
                mdc=mdc_degrees(motion),
                baselines=tuple(baselines),
                series=series,
            )
        )
    scores = score_series(visits)
    all_dates = [x for p in panels for x, _ in p.series.values()]
    all_dates += [x for x, _ in scores.values()]
    dates = np.concatenate(all_dates) if all_dates else np.array([], dtype="float64")
    return ChartPlan(panels=tuple(panels), scores=scores, dates=dates)


def score_series(visits: pd.DataFrame | None) -> dict[str, Series]:
    """Pain and ODI over the visit dates, one (dates, values) pair per score in ``SCORES``."""
    empty = np.array([], dtype="float64")
    series = dict.fromkeys(SCORES, (empty, empty))
    if visits is None:
        return series
    if not isinstance(visits, pd.DataFrame) or "visit_date" not in visits.columns:
        raise WorkbookError("visits", type(visits).__name__, "a DataFrame with a visit_date column")
    ordered = visits.sort_values("visit_date", kind="stable")
    for score in SCORES:
        if score not in ordered.columns:
            continue
        values = pd.to_numeric(ordered[score], errors="coerce").astype("float64")
        kept = values.notna()
        series[score] = (
            date_numbers(ordered.loc[kept, "visit_date"]),
            values[kept].to_numpy(dtype="float64"),
        )
    return series


@dataclass(frozen=True)
class AxisLimits:
    """The date axis (None with no dates) and one degree range per motion panel."""

    x: tuple[float, float] | None
    y: tuple[tuple[float, float], ...]

    def fits(self, plan: ChartPlan) -> bool:
        """True when every value of ``plan`` lies inside these limits."""
        if len(plan.dates) and (
            self.x is None or not self.x[0] < plan.dates.min() <= plan.dates.max() < self.x[1]
        ):
            return False
        return all(
            low < panel.extent[0] and panel.extent[1] < high
            for panel, (low, high) in zip(plan.panels, self.y, strict=True)
        )


def axis_limits(plan: ChartPlan, *, headroom: bool) -> AxisLimits:
    """Axis limits with padding; ``headroom`` leaves room on the right for the next visits."""
    x = None
    if len(plan.dates):
        first, last = float(plan.dates.min()), float(plan.dates.max())
        pad = max(_DAY_PAD, 0.04 * (last - first))
        right = max(pad, 0.3 * (last - first), 28.0) if headroom else pad
        x = (first - pad, last + right)
    y = []
    for panel in plan.panels:
        low, high = panel.extent
        y.append(
            (
                math.floor((low - 3) / _DEGREE_STEP) * _DEGREE_STEP,
                math.ceil((high + 3) / _DEGREE_STEP) * _DEGREE_STEP,
            )
        )
    return AxisLimits(x=x, y=tuple(y))
