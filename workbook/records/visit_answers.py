"""The answers a visit form records besides the measurements: red flags, PSFS and adherence.

Schema version 2 (issues 11 and 12). Each is checked once by its rule in ``workbook.clinical``
before a transaction begins, stored as a column of the visit version, and read back as plain
Python values: ``red_flags`` a list of ids or None (not asked), ``psfs`` a dict or None,
``days_done`` and ``days_prescribed`` whole numbers or NaN (not asked).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..clinical.adherence import check_adherence
from ..clinical.questionnaires import check_psfs
from ..clinical.redflags import known_red_flags
from ..errors import WorkbookError
from .schema import from_json, to_json

__all__ = ["ANSWER_FIELDS", "check_answers", "decode_answers"]

#: The keyword arguments of ``Store.log_visit`` / ``amend_visit`` this module checks.
ANSWER_FIELDS = ("red_flags", "psfs", "days_done", "days_prescribed")


def _check_red_flags(flags: object) -> str | None:
    if flags is None:
        return None
    known = known_red_flags()
    allowed = "a list of red flag ids from data/red_flags.csv (empty: asked, none present)"
    if isinstance(flags, str | bytes) or not isinstance(flags, list | tuple | set | frozenset):
        raise WorkbookError("red flags", flags, allowed)
    for flag in flags:
        if flag not in known:
            raise WorkbookError("red flag", flag, "one of " + ", ".join(known))
    # Stored in the table's order, each once, so two equal answers compare equal.
    chosen = set(flags)
    return to_json([f for f in known if f in chosen])


def _check_psfs(psfs: object) -> str | None:
    if psfs is None:
        return None
    if not isinstance(psfs, Mapping):
        raise WorkbookError("psfs", psfs, "a mapping {activity: score 0-10}, up to three")
    return to_json(check_psfs(psfs))


def check_answers(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The visit-version column values of the answers given in ``fields``.

    ``days_done`` and ``days_prescribed`` go together: both numbers, or both None (not asked).
    """
    values: dict[str, Any] = {}
    if "red_flags" in fields:
        values["red_flags"] = _check_red_flags(fields["red_flags"])
    if "psfs" in fields:
        values["psfs"] = _check_psfs(fields["psfs"])
    given = [k for k in ("days_done", "days_prescribed") if k in fields]
    if given:
        done, prescribed = fields.get("days_done"), fields.get("days_prescribed")
        if len(given) == 1 or (done is None) != (prescribed is None):
            raise WorkbookError(
                "adherence",
                {k: fields.get(k) for k in ("days_done", "days_prescribed")},
                "days_done and days_prescribed together (both None when not asked)",
            )
        values["days_done"], values["days_prescribed"] = (
            (None, None) if done is None else check_adherence(done, prescribed)
        )
    return values


def decode_answers(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn the stored answer columns of a visits frame into Python values, in place."""
    frame["red_flags"] = pd.Series(
        [from_json(v) for v in frame["red_flags"]], index=frame.index, dtype=object
    )
    frame["psfs"] = pd.Series(
        [from_json(v) for v in frame["psfs"]], index=frame.index, dtype=object
    )
    for column in ("days_done", "days_prescribed"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    return frame
