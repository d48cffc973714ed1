"""The caseload: every active patient on one table, with what needs looking at first.

:func:`caseload` applies the review rules of :mod:`workbook.clinical.review` (their thresholds
in ``data/review_rules.csv``, the MDC, MCID and normal values of ``data/``) to all patients at
once, with grouped pandas operations over three reads of the store (no query per patient), so
that a clinic of 10,000 patients comes back in about a second. For one patient it gives the same
flags as ``review(store.measurements(pid), store.visits(pid), store.profile(pid), today=...)``
(a test checks it); the visit screen's review has the long messages.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

import numpy as np
import pandas as pd

from ..clinical.adapt import routine_rule
from ..clinical.measures import motion_label
from ..clinical.reference import mdc_degrees, normal_value, score_threshold
from ..clinical.review import FLAGS, SEVERITIES, review_rules_table
from ..clinical.stretches import movements_table
from .caseload_data import CaseloadData, read_caseload_data

__all__ = ["CASELOAD_COLUMNS", "caseload", "caseload_frame"]

CASELOAD_COLUMNS: tuple[str, ...] = (
    "patient_id",
    "name",
    "therapist",
    "first_visit",
    "last_visit",
    "visits",
    "days_since_last",
    "flags",
    "flag_messages",
    "pain_change",
    "odi_change",
    "most_limited_motion",
    "adherence_percent",
)

_TOLERANCE = 1e-6
#: review() counts a pain rise of 2 points since the previous visit as a flare.
_FLARE_POINTS = 2.0


def caseload(store: Any, *, today: object = None, therapist: str | None = None) -> pd.DataFrame:
    """One row per active (not discharged) patient, most urgent first.

    Parameters
    ----------
    store : Store
    today : date-like, optional
        For days since the last visit and ``reassess_due``; by default today.
    therapist : str, optional
        Only the patients whose last visit was with this therapist.

    Returns
    -------
    DataFrame
        Columns ``CASELOAD_COLUMNS``: therapist of the last visit, first and last visit dates,
        visits, days_since_last, flags (list of ``clinical.review.FLAGS`` ids, most severe
        first), flag_messages (list, one per flag), pain_change and odi_change (latest minus
        baseline, points; negative is better), most_limited_motion ('Hip flexion (left)': the
        lowest percentage of normal at the latest reading), adherence_percent (days done of
        days prescribed over all visits). Sorted by the most severe flag, then the longest
        since the last visit.
    """
    day = pd.Timestamp(dt.date.today() if today is None else str(today)).normalize()
    data = store._read(read_caseload_data)
    return caseload_frame(data, today=day, therapist=therapist)


def caseload_frame(
    data: CaseloadData, *, today: pd.Timestamp, therapist: str | None = None
) -> pd.DataFrame:
    """The caseload from what :func:`read_caseload_data` read (pure pandas)."""
    if data.patients.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CASELOAD_COLUMNS})
    frame = data.patients.set_index("patient_id")[["name"]].copy()
    frame = frame.join(_visit_columns(data.visits, today))
    motions = _motion_table(data.readings, data.patients)
    frame["most_limited_motion"] = _most_limited(motions)
    frame["visits"] = frame["visits"].fillna(0).astype("int64")
    flags = _flags(data, motions, frame, today)
    frame["flags"] = [[f for f, _ in found] for found in flags]
    frame["flag_messages"] = [[m for _, m in found] for found in flags]
    if therapist is not None:
        frame = frame[frame["therapist"] == therapist]
    rank = {f: SEVERITIES.index(s) for f, s in _severities().items()}
    frame["_rank"] = [min((rank[f] for f in fs), default=len(SEVERITIES)) for fs in frame["flags"]]
    frame["_wait"] = frame["days_since_last"].fillna(-1)
    frame = frame.sort_values(["_rank", "_wait", "name"], ascending=[True, False, True])
    return frame.reset_index()[list(CASELOAD_COLUMNS)]


@functools.cache
def _severities() -> dict[str, str]:
    table = review_rules_table()
    return dict(zip(table["flag"], table["severity"], strict=True))


@functools.cache
def _thresholds() -> dict[str, float]:
    table = review_rules_table()
    return {str(f): float(t) for f, t in zip(table["flag"], table["threshold"], strict=True)}


# -- per patient from the visits --------------------------------------------------------------


def _ends(visits: pd.DataFrame, column: str) -> pd.DataFrame:
    """Baseline, latest and previous value of a score, over the visits that recorded it."""
    rated = visits.loc[visits[column].notna(), ["patient_id", column]]
    grouped = rated.groupby("patient_id")[column]
    # The value before each one; its last is the previous visit's (NaN with one visit).
    before = rated.assign(_prev=grouped.shift()).groupby("patient_id")["_prev"].last()
    return pd.DataFrame(
        {"first": grouped.first(), "last": grouped.last(), "prev": before, "n": grouped.size()}
    )


def _visit_columns(visits: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    grouped = visits.groupby("patient_id")
    dates = grouped["visit_date"]
    out = pd.DataFrame(
        {
            "therapist": grouped["therapist"].last(),
            "first_visit": dates.min(),
            "last_visit": dates.max(),
            "visits": grouped.size(),
            "visit_days": dates.nunique(),
        }
    )
    out["days_since_last"] = (today - out["last_visit"]).dt.days.astype("float64")
    for score, name in (("pain_nprs", "pain_change"), ("odi_index", "odi_change")):
        ends = _ends(visits, score)
        out[name] = (ends["last"] - ends["first"]).where(ends["n"] >= 2)
    both = visits["days_done"].notna() & visits["days_prescribed"].notna()
    sums = visits[both].groupby("patient_id")[["days_done", "days_prescribed"]].sum()
    out["adherence_percent"] = sums["days_done"] / sums["days_prescribed"] * 100
    return out


# -- per patient, motion and side from the readings -------------------------------------------


@functools.cache
def _normal(motion: str, age: float | None, sex: str | None, position: str | None) -> float:
    return normal_value(motion, age=age, sex=sex, position=position).degrees


def _motion_table(readings: pd.DataFrame, patients: pd.DataFrame) -> pd.DataFrame:
    """Per patient, motion and side: baseline, latest, change, percent of normal, verdict."""
    ordered = readings.sort_values(["patient_id", "visit_date", "visit_id"], kind="stable")
    grouped = ordered.groupby(["patient_id", "motion", "side"], sort=False)
    table = grouped.agg(
        first=("degrees", "first"),
        last=("degrees", "last"),
        n=("degrees", "size"),
        position=("position", "last"),
        last_date=("visit_date", "last"),
    ).reset_index()
    table["change"] = table["last"] - table["first"]
    table["mdc"] = table["motion"].map({m: mdc_degrees(m) for m in table["motion"].unique()})
    moved = (table["n"] >= 2) & (table["change"].abs() + _TOLERANCE >= table["mdc"])
    table["improved"] = moved & (table["change"] > 0)
    table["worse"] = moved & (table["change"] <= 0)
    who = patients.set_index("patient_id")
    age = table["patient_id"].map(who["age"])
    sex = table["patient_id"].map(who["sex"])
    keys = zip(table["motion"], age, sex, table["position"], strict=True)
    table["normal"] = [
        _normal(m, None if pd.isna(a) else float(a), s or None, p or None) for m, a, s, p in keys
    ]
    table["percent"] = table["last"] / table["normal"] * 100
    return table


def _most_limited(motions: pd.DataFrame) -> pd.Series:
    if motions.empty:
        return pd.Series(dtype=object)
    lowest = motions.loc[motions.groupby("patient_id")["percent"].idxmin()]
    labels = {m: motion_label(m) for m in lowest["motion"].unique()}
    text = [f"{labels[m]} ({s})" for m, s in zip(lowest["motion"], lowest["side"], strict=True)]
    return pd.Series(text, index=lowest["patient_id"].to_numpy(), dtype=object)


def _asymmetric(readings: pd.DataFrame) -> pd.Series:
    """Per patient, the motions whose latest both-sides gap reaches the asymmetry threshold."""
    if readings.empty:
        return pd.Series(dtype=object)
    wide = readings.pivot_table(
        index=["patient_id", "motion", "visit_date", "visit_id"],
        columns="side",
        values="degrees",
        aggfunc="mean",
    )
    if not {"left", "right"} <= set(wide.columns):
        return pd.Series(dtype=object)
    latest = wide.dropna(subset=["left", "right"]).groupby(level=["patient_id", "motion"]).last()
    gap = latest["left"] - latest["right"]
    motion = latest.index.get_level_values("motion")
    mdc = pd.Series(motion, index=latest.index).map(lambda m: mdc_degrees(m))
    hit = gap.abs() + _TOLERANCE >= mdc * _thresholds()["asymmetry"]
    found = latest[hit.to_numpy()].reset_index()
    return found.groupby("patient_id")["motion"].agg(list)


def _ready(motions: pd.DataFrame) -> pd.Series:
    """Per patient, the movements' motions that meet the progression rule (adapt)."""
    movers = {m for m in movements_table()["motion"] if m}
    table = motions[motions["motion"].isin(movers)]
    gained = table["change"] + _TOLERANCE >= table["mdc"] * routine_rule("progress_mdc_multiple")
    near = table["percent"] + _TOLERANCE >= routine_rule("progress_percent_of_normal")
    ok = (table["n"] >= 2) & (gained | near)
    per_motion = ok.groupby([table["patient_id"], table["motion"]]).all()
    ready = per_motion[per_motion].reset_index()
    return ready.groupby("patient_id")["motion"].agg(list)


def _score_verdicts(visits: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per patient: a score worse by the MCID, a score improved (MCID and percent), a flare."""
    worse, improved, flare = [], [], []
    for score in ("pain_nprs", "odi_index"):
        rule = score_threshold(score)
        ends = _ends(visits, score)
        sign = -1.0 if rule.lower_is_better else 1.0
        change = ends["last"] - ends["first"]
        gain = sign * change
        percent = (change / ends["first"].where(ends["first"] != 0)) * 100
        two = ends["n"] >= 2
        meets = (gain + _TOLERANCE >= rule.mcid_points) & (
            sign * percent + _TOLERANCE >= rule.improvement_percent
        )
        improved.append(two & meets)
        worse.append(two & ~meets & (-gain + _TOLERANCE >= rule.mcid_points))
        if score == "pain_nprs":
            flare.append(ends["last"] - ends["prev"] + _TOLERANCE >= _FLARE_POINTS)

    def any_of(parts: list[pd.Series]) -> pd.Series:
        return pd.concat(parts, axis=1).fillna(False).astype(bool).any(axis=1)

    return any_of(worse), any_of(improved), any_of(flare)


# -- the flags ----------------------------------------------------------------------------------


def _labels(motions: object) -> str:
    return ", ".join(motion_label(m).lower() for m in motions)  # type: ignore[attr-defined]


def _flags(
    data: CaseloadData, motions: pd.DataFrame, frame: pd.DataFrame, today: pd.Timestamp
) -> list[list[tuple[str, str]]]:
    """Per patient (in ``frame``'s order), the (flag, message) pairs, most severe first."""
    limit = _thresholds()
    ids = frame.index
    worse_score, improved_score, flare = (
        s.reindex(ids, fill_value=False) for s in _score_verdicts(data.visits)
    )
    by_patient = motions.groupby("patient_id")
    worse_motion = by_patient["worse"].any().reindex(ids, fill_value=False)
    improved_motion = by_patient["improved"].any().reindex(ids, fill_value=False)
    worse = worse_score | flare | worse_motion
    long_enough = (frame["visit_days"].fillna(0) >= 4) | (
        (frame["last_visit"] - frame["first_visit"]).dt.days.fillna(0) + _TOLERANCE
        >= limit["not_responding"]
    )
    not_responding = long_enough & ~worse & ~improved_score & ~improved_motion
    asym = _asymmetric(data.readings).reindex(ids)
    ready = _ready(motions).reindex(ids)
    measured = pd.to_datetime(by_patient["last_date"].max().reindex(ids))
    waited = (today - measured).dt.days
    reassess = waited + _TOLERANCE >= limit["reassess_due"]
    low = frame["adherence_percent"] + _TOLERANCE < limit["low_adherence"]
    red = _red_flags(data).reindex(ids)
    found: dict[str, list[tuple[str, str]]] = {pid: [] for pid in ids}

    adherence: dict[Any, float] = frame["adherence_percent"].to_dict()
    visit_days: dict[Any, float] = frame["visit_days"].to_dict()
    pain: dict[Any, float] = frame["pain_change"].to_dict()
    odi: dict[Any, float] = frame["odi_change"].to_dict()

    def percent(pid: str) -> str:
        return f"{adherence[pid]:.0f} %"

    columns: list[tuple[str, pd.Series, Any]] = [
        ("red_flag", red.notna(), lambda pid: f"Red flags {', '.join(red[pid])}: refer."),
        (
            "worse",
            worse,
            lambda pid: _worse_message(
                {"pain": pain[pid], "ODI": odi[pid]}, flare[pid], worse_motion[pid]
            ),
        ),
        (
            "not_responding",
            not_responding,
            lambda pid: f"No real change over {visit_days[pid]:.0f} visits.",
        ),
        ("asymmetry", asym.notna(), lambda pid: f"Left-right gap: {_labels(asym[pid])}."),
        ("low_adherence", low, lambda pid: f"Home programme done {percent(pid)} of days."),
        ("ready_to_progress", ready.notna(), lambda pid: f"Ready: {_labels(ready[pid])}."),
        ("reassess_due", reassess, lambda pid: f"ROM measured {int(waited[pid])} days ago."),
    ]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    severities = _severities()
    columns.sort(key=lambda c: (order[severities[c[0]]], FLAGS.index(c[0])))
    for flag, hit, message in columns:
        for pid in ids[np.asarray(hit.fillna(False), dtype=bool)]:
            found[pid].append((flag, message(pid)))
    return [found[pid] for pid in ids]


def _red_flags(data: CaseloadData) -> pd.Series:
    """Per patient, the red flags of the profile and of the latest visit that asked them."""
    profile = data.patients.set_index("patient_id")["profile_red_flags"]
    asked = data.visits[data.visits["red_flags"].notna()]
    latest = asked.groupby("patient_id")["red_flags"].last().map(json.loads)
    merged = {}
    for pid in set(profile.index) | set(latest.index):
        flags = sorted(set(profile.get(pid, ())) | set(latest.get(pid, ())))
        if flags:
            merged[pid] = flags
    return pd.Series(merged, dtype=object)


def _worse_message(changes: dict[str, float], flare: bool, motion: bool) -> str:
    parts = []
    for label, change in changes.items():
        if change > 0:  # NaN (not rated twice) is not
            parts.append(f"{label} +{change:g}")
    if flare:
        parts.append("pain flare since the previous visit")
    if motion:
        parts.append("a motion lost the MDC")
    return "Worse: " + "; ".join(parts) + ". Reassess."
