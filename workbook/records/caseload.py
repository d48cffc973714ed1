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
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..clinical.adapt import routine_rule
from ..clinical.measures import MOTIONS, motion_label
from ..clinical.reference import mdc_degrees, normal_value, score_threshold
from ..clinical.review import FLAGS, SEVERITIES, review_rules_table
from ..clinical.stretches import movements_table
from .caseload_data import CaseloadData, read_caseload_data

if TYPE_CHECKING:
    from .store import Store

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


def caseload(store: Store, *, today: object = None, therapist: str | None = None) -> pd.DataFrame:
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
    # One read transaction: a consistent picture.
    data = store._read(lambda conn: read_caseload_data(conn, therapist))
    return caseload_frame(data, today=day, therapist=therapist)


def caseload_frame(
    data: CaseloadData, *, today: pd.Timestamp, therapist: str | None = None
) -> pd.DataFrame:
    """The caseload from what :func:`read_caseload_data` read (pure pandas)."""
    if data.patients.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CASELOAD_COLUMNS})
    frame = data.patients.set_index("patient_id")[["name"]].copy()
    frame = frame.join(_visit_columns(data.visits, today))
    motions = _motion_table(data.motions, data.patients)
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


def _visit_columns(visits: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    out = visits[["therapist", "first_visit", "last_visit", "visits", "visit_days"]].copy()
    out["days_since_last"] = (today - out["last_visit"]).dt.days.astype("float64")
    for score, name in (("pain", "pain_change"), ("odi", "odi_change")):
        change = visits[f"{score}_last"] - visits[f"{score}_first"]
        out[name] = change.where(visits[f"{score}_n"] >= 2)
    prescribed = visits["days_prescribed"].where(visits["days_prescribed"] > 0)
    out["adherence_percent"] = visits["days_done"] / prescribed * 100
    return out


# -- per patient, motion and side from the readings -------------------------------------------


@functools.cache
def _normal(motion: str, age: float | None, sex: str | None, position: str | None) -> float:
    return normal_value(motion, age=age, sex=sex, position=position).degrees


def _motion_table(motions: pd.DataFrame, patients: pd.DataFrame) -> pd.DataFrame:
    """Per patient, motion and side: baseline, latest, change, percent of normal, verdict."""
    table = motions.copy()
    table["change"] = table["last"] - table["first"]
    table["mdc"] = table["motion"].map({m: v[1] for m, v in _motion_words().items()})
    moved = (table["n"] >= 2) & (table["change"].abs() + _TOLERANCE >= table["mdc"])
    table["improved"] = moved & (table["change"] > 0)
    table["worse"] = moved & (table["change"] <= 0)
    who = patients.set_index("patient_id")
    table["age"] = table["patient_id"].map(who["age"]).astype("float64")
    table["sex"] = table["patient_id"].map(who["sex"]).fillna("").astype(str)
    table["position"] = table["position"].fillna("").astype(str)
    combos = table[["motion", "age", "sex", "position"]].drop_duplicates()
    combos["normal"] = [
        _normal(m, None if pd.isna(a) else float(a), s or None, p or None)
        for m, a, s, p in combos.itertuples(index=False)
    ]
    table = table.merge(combos, on=["motion", "age", "sex", "position"], how="left")
    table["percent"] = table["last"] / table["normal"] * 100
    return table


def _most_limited(motions: pd.DataFrame) -> pd.Series:
    if motions.empty:
        return pd.Series(dtype=object)
    lowest = motions.loc[motions.groupby("patient_id")["percent"].idxmin()]
    labels = {m: v[0] for m, v in _motion_words().items()}
    text = [f"{labels[m]} ({s})" for m, s in zip(lowest["motion"], lowest["side"], strict=True)]
    return pd.Series(text, index=lowest["patient_id"].to_numpy(), dtype=object)


def _asymmetric(motions: pd.DataFrame) -> pd.Series:
    """Per patient, the motions whose gap between sides, at the latest visit that measured
    both, reaches the asymmetry threshold."""
    if motions.empty:
        return pd.Series(dtype=object)
    gaps = motions[motions["side"] == motions["side"].min()].dropna(subset=["gap"])
    mdc = gaps["motion"].map({m: v[1] for m, v in _motion_words().items()})
    hit = gaps["gap"].abs() + _TOLERANCE >= mdc * _thresholds()["asymmetry"]
    return _lists(gaps[hit])


def _ready(motions: pd.DataFrame) -> pd.Series:
    """Per patient, the movements' motions that meet the progression rule (adapt)."""
    movers = {m for m in movements_table()["motion"] if m}
    table = motions[motions["motion"].isin(movers)]
    gained = table["change"] + _TOLERANCE >= table["mdc"] * routine_rule("progress_mdc_multiple")
    near = table["percent"] + _TOLERANCE >= routine_rule("progress_percent_of_normal")
    ok = (table["n"] >= 2) & (gained | near)
    per_motion = ok.groupby([table["patient_id"], table["motion"]]).all()
    ready = per_motion[per_motion].reset_index()
    return _lists(ready)


def _lists(rows: pd.DataFrame) -> pd.Series:
    """Per patient, the list of the rows' motions (a groupby's ``agg(list)`` is much slower)."""
    found: dict[str, list[str]] = {}
    for pid, motion in zip(rows["patient_id"].tolist(), rows["motion"].tolist(), strict=True):
        found.setdefault(pid, []).append(motion)
    return pd.Series(found, dtype=object)


def _score_verdicts(visits: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per patient: a score worse by the MCID, a score improved (MCID and percent), a flare."""
    worse, improved = [], []
    for score, name in (("pain_nprs", "pain"), ("odi_index", "odi")):
        rule = score_threshold(score)
        first, last = visits[f"{name}_first"], visits[f"{name}_last"]
        sign = -1.0 if rule.lower_is_better else 1.0
        change = last - first
        gain = sign * change
        percent = (change / first.where(first != 0)) * 100
        two = visits[f"{name}_n"] >= 2
        meets = (gain + _TOLERANCE >= rule.mcid_points) & (
            sign * percent + _TOLERANCE >= rule.improvement_percent
        )
        improved.append(two & meets)
        worse.append(two & ~meets & (-gain + _TOLERANCE >= rule.mcid_points))
    flare = visits["pain_last"] - visits["pain_prev"] + _TOLERANCE >= _FLARE_POINTS
    return worse[0] | worse[1], improved[0] | improved[1], flare


# -- the flags ----------------------------------------------------------------------------------


@functools.cache
def _motion_words() -> dict[str, tuple[str, float]]:
    """Each motion's label and MDC, looked up once (each lookup copies a data table)."""
    return {m: (motion_label(m), mdc_degrees(m)) for m in MOTIONS}


def _labels(motions: list[str]) -> str:
    words = _motion_words()
    return ", ".join(words[m][0].lower() for m in motions)


def _hits(
    data: CaseloadData, motions: pd.DataFrame, frame: pd.DataFrame, today: pd.Timestamp
) -> tuple[dict[str, pd.Series], dict[str, dict[Any, Any]]]:
    """Per flag, which patients (in ``frame``'s order) it applies to; and the numbers behind."""
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
    asym = _asymmetric(motions).reindex(ids)
    ready = _ready(motions).reindex(ids)
    waited = (today - by_patient["last_date"].max().reindex(ids)).dt.days
    red = _red_flags(data).reindex(ids)
    hits = {
        "red_flag": red.notna(),
        "worse": worse,
        "not_responding": long_enough & ~worse & ~improved_score & ~improved_motion,
        "asymmetry": asym.notna(),
        "low_adherence": frame["adherence_percent"] + _TOLERANCE < limit["low_adherence"],
        "ready_to_progress": ready.notna(),
        "reassess_due": waited + _TOLERANCE >= limit["reassess_due"],
    }
    info = {
        "red": red.to_dict(),
        "flare": flare.to_dict(),
        "worse_motion": worse_motion.to_dict(),
        "asym": asym.to_dict(),
        "ready": ready.to_dict(),
        "waited": waited.to_dict(),
        **{c: frame[c].to_dict() for c in ("adherence_percent", "visit_days")},
        **{c: frame[c].to_dict() for c in ("pain_change", "odi_change")},
    }
    return hits, info


def _flags(
    data: CaseloadData, motions: pd.DataFrame, frame: pd.DataFrame, today: pd.Timestamp
) -> list[list[tuple[str, str]]]:
    """Per patient (in ``frame``'s order), the (flag, message) pairs, most severe first."""
    hits, info = _hits(data, motions, frame, today)
    messages: dict[str, Any] = {
        "red_flag": lambda pid: f"Red flags {', '.join(info['red'][pid])}: refer.",
        "worse": lambda pid: _worse_message(
            {"pain": info["pain_change"][pid], "ODI": info["odi_change"][pid]},
            info["flare"][pid],
            info["worse_motion"][pid],
        ),
        "not_responding": lambda pid: f"No real change over {info['visit_days'][pid]:.0f} visits.",
        "asymmetry": lambda pid: f"Left-right gap: {_labels(info['asym'][pid])}.",
        "low_adherence": lambda pid: (
            f"Home programme done {info['adherence_percent'][pid]:.0f} % of days."
        ),
        "ready_to_progress": lambda pid: f"Ready: {_labels(info['ready'][pid])}.",
        "reassess_due": lambda pid: f"ROM measured {int(info['waited'][pid])} days ago.",
    }
    order = {s: i for i, s in enumerate(SEVERITIES)}
    severities = _severities()
    found: dict[str, list[tuple[str, str]]] = {pid: [] for pid in frame.index}
    for flag in sorted(hits, key=lambda f: (order[severities[f]], FLAGS.index(f))):
        chosen = frame.index[np.asarray(hits[flag].fillna(False), dtype=bool)]
        for pid in chosen:
            found[pid].append((flag, messages[flag](pid)))
    return [found[pid] for pid in frame.index]


def _red_flags(data: CaseloadData) -> pd.Series:
    """Per patient, the red flags of the profile and of the latest visit that asked them."""
    profile = data.patients.set_index("patient_id")["profile_red_flags"].to_dict()
    latest = data.visits["red_flags"].dropna().to_dict()
    merged = {}
    for pid in set(profile) | set(latest):
        flags = sorted(set(profile.get(pid, ())) | set(latest.get(pid) or ()))
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
