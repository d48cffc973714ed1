"""The one shape a saved routine may take: what ``Routine.to_dict()`` writes, nothing else.

A routine travels with a visit into the store, a shared case and a report. It is checked here,
once, by the store (``log_visit``, ``amend_visit``, the imports), so that nothing can ride along
in it: no key outside the list below, no value of the wrong type or out of range.

``{"profile": {...}, "items": [item, ...]}`` where

- ``profile``: a patient profile (``PatientProfile.to_dict()``);
- ``items``: at most one item per hip movement (``data/movements.csv``), each with
  ``movement``, ``stretch_id`` (a stretch of that movement in ``data/stretches.csv``, or ''
  when nothing was safe), ``hold_s``, ``reps``, ``per_week`` (whole numbers within
  ``DOSAGE_BOUNDS``; None only without a stretch), and optionally ``chosen_by`` ('workbook' or
  'therapist'), ``focus_side`` ('', 'left' or 'right'), ``reason`` and ``note_patient``.

``reason`` and ``note_patient`` are the only free text: the workbook's own words about the
choice, at most :data:`MAX_ITEM_TEXT` characters each. Pure logic: pandas only.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from ..errors import WorkbookError, one_of
from .measures import check_text
from .profile import PatientProfile
from .stretches import DOSAGE_BOUNDS, MOVEMENTS, load_stretches

__all__ = ["ITEM_KEYS", "MAX_ITEM_TEXT", "REQUIRED_ITEM_KEYS", "check_routine"]

REQUIRED_ITEM_KEYS = ("movement", "stretch_id", "hold_s", "reps", "per_week")
ITEM_KEYS = (*REQUIRED_ITEM_KEYS, "chosen_by", "focus_side", "reason", "note_patient")
#: The longest reason or patient note of an item, in characters.
MAX_ITEM_TEXT = 2_000
_CHOICES = {"chosen_by": ("workbook", "therapist"), "focus_side": ("", "left", "right")}
_SHAPE = "a plain dict as Routine.to_dict() writes it: {'profile': {...}, 'items': [...]}"


@functools.cache
def _stretch_movements() -> dict[str, str]:
    table = load_stretches()
    return dict(zip(table["stretch_id"], table["movement"], strict=True))


def check_routine(routine: object) -> dict[str, Any] | None:
    """The routine, checked and cleaned (text in NFC); None stays None.

    Raises
    ------
    WorkbookError
        Naming the field (``routine items[2] hold_s``...), the value and what is allowed.

    Examples
    --------
    >>> check_routine({"profile": {"age": 70, "activity": "sedentary",
    ...     "floor_transfer": False, "kneeling": "unable"}, "items": [{"movement": "x"}]})
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    workbook.errors.WorkbookError: routine items[0] = ... lacks stretch_id, hold_s, reps, per_week.
    """
    if routine is None:
        return None
    if not isinstance(routine, Mapping) or set(routine) != {"profile", "items"}:
        raise WorkbookError("routine", routine, _SHAPE)
    profile = routine["profile"]
    if not isinstance(profile, Mapping):
        raise WorkbookError("routine profile", profile, "a profile as PatientProfile.to_dict()")
    try:
        clean_profile = PatientProfile.from_dict(dict(profile)).to_dict()
    except (TypeError, ValueError) as exc:  # WorkbookError is a ValueError
        raise WorkbookError("routine profile", _keys(profile), f"a valid profile ({exc})") from None
    items = routine["items"]
    if not isinstance(items, list | tuple) or len(items) > len(MOVEMENTS):
        raise WorkbookError(
            "routine items", _keys(items), f"a list of at most {len(MOVEMENTS)} items"
        )
    checked = [_check_item(f"routine items[{n}]", item) for n, item in enumerate(items)]
    movements = [item["movement"] for item in checked]
    if len(set(movements)) != len(movements):
        raise WorkbookError("routine items", movements, "each movement at most once")
    return {"profile": clean_profile, "items": checked}


def _keys(value: object) -> object:
    """What to show of a wrong value: its keys or its type, never free text it may hold."""
    if isinstance(value, Mapping):
        return sorted(map(str, value))
    return type(value).__name__


def _check_item(field: str, item: object) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise WorkbookError(field, _keys(item), f"a dict with {', '.join(REQUIRED_ITEM_KEYS)}")
    unknown = sorted(set(map(str, item)) - set(ITEM_KEYS))
    if unknown:
        raise WorkbookError(field, unknown, f"only the keys {', '.join(ITEM_KEYS)}")
    missing = [k for k in REQUIRED_ITEM_KEYS if k not in item]
    if missing:
        raise WorkbookError(field, _keys(item), f"it lacks {', '.join(missing)}")
    movement = item["movement"]
    if movement not in MOVEMENTS:
        raise WorkbookError(f"{field} movement", movement, one_of(MOVEMENTS))
    stretch_id = item["stretch_id"]
    if stretch_id != "" and _stretch_movements().get(stretch_id) != movement:
        raise WorkbookError(
            f"{field} stretch_id", stretch_id, f"'' or a stretch for {movement} in stretches.csv"
        )
    out: dict[str, Any] = {"movement": movement, "stretch_id": stretch_id}
    for name, (low, high) in DOSAGE_BOUNDS.items():
        value = item[name]
        if value is None and stretch_id == "":
            out[name] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise WorkbookError(f"{field} {name}", value, f"a whole number from {low} to {high}")
        out[name] = int(value)
    for name, choices in _CHOICES.items():
        if name in item:
            if item[name] not in choices:
                raise WorkbookError(f"{field} {name}", item[name], one_of(choices))
            out[name] = item[name]
    for name in ("reason", "note_patient"):
        if name in item:
            out[name] = check_text(f"{field} {name}", item[name], limit=MAX_ITEM_TEXT)
    return out
