"""Made-up readings and scores in the shape the progress chart takes, for the chart tests.

Columns for both ``progress_chart`` (visit id and date) and a shared case's ``case_chart``
(visit number and day since the first visit).
"""

from __future__ import annotations

import pandas as pd

START = pd.Timestamp("2025-01-06")
READING_COLUMNS = [
    "visit_id", "visit", "day", "visit_date", "motion", "side", "degrees", "instrument",
    "position",
]  # fmt: skip


def readings(
    motions,
    days=(0, 14, 35, 70),
    low=-12.0,
    high=135.0,
    sides=("left", "right"),
    position="",
) -> pd.DataFrame:
    """Angles spread from ``low`` (first motion) to ``high`` (last), rising 2 degrees a visit,
    the right side 3 degrees below the left."""
    rows = [
        {
            "visit_id": f"v{day}",
            "visit": i + 1,
            "day": day,
            "visit_date": START + pd.Timedelta(days=day),
            "motion": motion,
            "side": side,
            "degrees": low
            + (high - low) * k / max(1, len(motions) - 1)
            + 2 * i
            - (3 if side == "right" else 0),
            "instrument": "goniometer",
            "position": position,  # the normal value in use, and its label, follow it
        }
        for i, day in enumerate(days)
        for k, motion in enumerate(motions)
        for side in sides
    ]
    return pd.DataFrame(rows, columns=READING_COLUMNS)


def scores(days=(0, 14, 35, 70), pain=7, odi=44.0) -> pd.DataFrame:
    """Pain falling a point a visit from ``pain``, the ODI 3 points a visit from ``odi``."""
    return pd.DataFrame(
        {
            "visit_id": [f"v{d}" for d in days],
            "visit": list(range(1, len(days) + 1)),
            "day": list(days),
            "visit_date": [START + pd.Timedelta(days=d) for d in days],
            "pain_nprs": pd.array([max(0, pain - i) for i in range(len(days))], dtype="Int64"),
            "odi_index": pd.array([odi - 3 * i for i in range(len(days))], dtype="float64"),
            "odi_sections": [None] * len(days),
            "notes": [""] * len(days),
        }
    )
