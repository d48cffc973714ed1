"""The patient screen: find a patient, add one, edit the profile.

:class:`PatientModel` knows the store and no widget; :class:`PatientScreen` is the widget that
shows it. Every vocabulary (activity, kneeling, conditions, equipment) is a choice among the
allowed values read from the package, never free text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..clinical.profile import (
    ACTIVITY_LEVELS,
    KNEELING_LEVELS,
    PatientProfile,
    conditions_table,
    equipment_table,
)
from ..errors import WorkbookError
from .common import esc, field_message_html, log, message_html, safe_call, show_error

__all__ = ["ChosenPatient", "PatientModel", "PatientScreen", "ProfileForm", "profile_summary_html"]


@dataclass(frozen=True)
class ChosenPatient:
    """The patient the other screens work on."""

    patient_id: str
    name: str
    birth_year: int | None
    profile: PatientProfile


def _labelled(table: pd.DataFrame, key: str) -> list[tuple[str, str]]:
    return list(zip(table["label"], table[key], strict=True))


class PatientModel:
    """Finding, adding and editing patients; no widgets.

    Parameters
    ----------
    store : workbook.records.store.Store
        The clinic store.
    today : datetime.date, optional
        Fixed in tests so that ages do not change with the calendar.
    """

    def __init__(self, store: Any, today: dt.date | None = None) -> None:
        self.store = store
        self._today = today
        self.chosen: ChosenPatient | None = None

    @property
    def today(self) -> dt.date:
        return self._today or dt.date.today()

    # vocabularies, as (label, value) pairs for choice widgets
    @staticmethod
    def condition_choices() -> list[tuple[str, str]]:
        return _labelled(conditions_table(), "condition")

    @staticmethod
    def equipment_choices() -> list[tuple[str, str]]:
        return _labelled(equipment_table(), "equipment")

    def search(self, text: str = "") -> pd.DataFrame:
        """Patients whose name or id contains ``text`` (every patient when empty)."""
        text = (text or "").strip()
        return self.store.find_patients(text) if text else self.store.patients()

    def choices(self, text: str = "") -> list[tuple[str, str]]:
        """``(label, patient_id)`` pairs for a selection list."""
        found = self.search(text)
        out = []
        for row in found.itertuples(index=False):
            visits = getattr(row, "n_visits", None)
            born = getattr(row, "birth_year", None)
            bits = [str(row.name)]
            if born is not None and not pd.isna(born):
                bits.append(f"born {int(born)}")
            if visits is not None and not pd.isna(visits):
                bits.append(f"{int(visits)} visit{'s' if int(visits) != 1 else ''}")
            label = " \u00b7 ".join(bits)
            out.append((f"{label}  [{row.patient_id}]", str(row.patient_id)))
        return out

    def age_for(self, birth_year: object) -> int:
        """Age in whole years this calendar year, from the birth year the store keeps."""
        if isinstance(birth_year, bool) or birth_year is None:
            raise WorkbookError("birth year", birth_year, "a year such as 1950")
        try:
            year = int(str(birth_year).strip())
        except ValueError:
            raise WorkbookError("birth year", birth_year, "a year such as 1950") from None
        if year > self.today.year:
            raise WorkbookError("birth year", birth_year, f"a year no later than {self.today.year}")
        return self.today.year - year

    def make_profile(
        self,
        birth_year: object,
        activity: str,
        floor_transfer: bool,
        kneeling: str,
        conditions: Iterable[str] = (),
        equipment: Iterable[str] = (),
    ) -> PatientProfile:
        """A validated profile; raises WorkbookError naming the field at fault."""
        return PatientProfile(
            age=self.age_for(birth_year),
            activity=activity,
            floor_transfer=bool(floor_transfer),
            kneeling=kneeling,
            conditions=frozenset(conditions),
            equipment=frozenset(equipment),
        )

    def choose(self, patient_id: str) -> ChosenPatient:
        """Open a patient: the other screens follow this choice."""
        record = self.store.patient(patient_id)
        profile = self.store.profile(patient_id)
        self.chosen = ChosenPatient(
            patient_id=str(patient_id),
            name=str(record.get("name", "")),
            birth_year=record.get("birth_year"),
            profile=profile,
        )
        return self.chosen

    def add(self, name: str, birth_year: object, **profile_fields: Any) -> ChosenPatient:
        """Add a patient and open them."""
        name = (name or "").strip()
        if not name:
            raise WorkbookError("name", name, "the patient's name (it stays in the clinic store)")
        profile = self.make_profile(birth_year, **profile_fields)
        patient_id = self.store.add_patient(name, int(str(birth_year).strip()), profile)
        return self.choose(patient_id)

    def update(self, **profile_fields: Any) -> ChosenPatient:
        """Save a new profile for the open patient (the store keeps the old one in its history)."""
        if self.chosen is None:
            raise WorkbookError("patient", None, "open a patient first")
        birth_year = self.chosen.birth_year
        profile = self.make_profile(birth_year, **profile_fields)
        self.store.update_profile(self.chosen.patient_id, profile)
        return self.choose(self.chosen.patient_id)


class ProfileForm(widgets.VBox):
    """Every profile field as a choice among the allowed values."""

    def __init__(self, model: PatientModel) -> None:
        self.activity = widgets.Dropdown(
            options=[(a.capitalize(), a) for a in ACTIVITY_LEVELS],
            value=ACTIVITY_LEVELS[0],
            description="Activity",
        )
        self.floor_transfer = widgets.Checkbox(
            value=True, description="Gets down to the floor and back up unaided", indent=True
        )
        self.kneeling = widgets.Dropdown(
            options=[(k.capitalize(), k) for k in KNEELING_LEVELS],
            value=KNEELING_LEVELS[0],
            description="Kneeling",
        )
        self.conditions = {
            value: widgets.Checkbox(value=False, description=label, indent=False)
            for label, value in model.condition_choices()
        }
        self.equipment = {
            value: widgets.Checkbox(value=False, description=label, indent=False)
            for label, value in model.equipment_choices()
        }
        grid = widgets.Layout(grid_template_columns="repeat(2, 320px)", margin="0 0 0 90px")
        super().__init__(
            [
                self.activity,
                self.floor_transfer,
                self.kneeling,
                widgets.HTML("<b>Conditions</b>"),
                widgets.GridBox(list(self.conditions.values()), layout=grid),
                widgets.HTML("<b>Equipment at home</b>"),
                widgets.GridBox(list(self.equipment.values()), layout=grid),
            ]
        )

    def values(self) -> dict[str, Any]:
        return {
            "activity": self.activity.value,
            "floor_transfer": bool(self.floor_transfer.value),
            "kneeling": self.kneeling.value,
            "conditions": [k for k, box in self.conditions.items() if box.value],
            "equipment": [k for k, box in self.equipment.items() if box.value],
        }

    def show(self, profile: PatientProfile) -> None:
        self.activity.value = profile.activity
        self.floor_transfer.value = profile.floor_transfer
        self.kneeling.value = profile.kneeling
        for key, box in self.conditions.items():
            box.value = key in profile.conditions
        for key, box in self.equipment.items():
            box.value = key in profile.equipment


def profile_summary_html(chosen: ChosenPatient, today_year: int) -> str:
    """A short card about the open patient; every piece of text escaped."""
    p = chosen.profile
    conditions = dict(PatientModel.condition_choices())
    equipment = dict(PatientModel.equipment_choices())
    label_of_condition = {v: k for k, v in conditions.items()}
    label_of_equipment = {v: k for k, v in equipment.items()}
    cond = ", ".join(label_of_condition.get(c, c) for c in sorted(p.conditions)) or "none"
    equip = ", ".join(label_of_equipment.get(e, e) for e in sorted(p.equipment)) or "none"
    born = f", born {chosen.birth_year}" if chosen.birth_year else ""
    floor = "yes" if p.floor_transfer else "no"
    return (
        '<div class="wb-patient-card" style="border:1px solid #bbb;border-radius:4px;'
        'padding:6px 10px;margin:4px 0;line-height:1.5">'
        f"<b style='font-size:15px'>{esc(chosen.name)}</b> "
        f"<span style='color:#555'>[{esc(chosen.patient_id)}]{esc(born)}, "
        f"age {p.age}</span><br>"
        f"Activity: {esc(p.activity)} &middot; floor transfer: {floor} &middot; "
        f"kneeling: {esc(p.kneeling)}<br>"
        f"Conditions: {esc(cond)}<br>Equipment at home: {esc(equip)}</div>"
    )


class PatientScreen(widgets.VBox):
    """Find, add and edit patients. Other screens follow :meth:`on_choose`.

    Parameters
    ----------
    store : workbook.records.store.Store
        The clinic store.
    today : datetime.date, optional
        Fixed in tests.
    """

    def __init__(self, store: Any, *, today: dt.date | None = None) -> None:
        self.model = PatientModel(store, today=today)
        self._listeners: list[Callable[[ChosenPatient], None]] = []

        self.search = widgets.Text(
            placeholder="Type part of a name or an id",
            description="Find",
            continuous_update=True,
            layout=widgets.Layout(width="420px"),
        )
        self.results = widgets.Select(
            options=[], rows=7, description="Patients", layout=widgets.Layout(width="620px")
        )
        self.message = widgets.HTML()
        self.card = widgets.HTML(
            message_html("Choose a patient from the list, or add one.", "info")
        )

        # new patient
        self.new_name = widgets.Text(description="Name", layout=widgets.Layout(width="420px"))
        self.new_birth_year = widgets.Text(
            description="Birth year", placeholder="e.g. 1950", layout=widgets.Layout(width="200px")
        )
        self.new_birth_year_msg = widgets.HTML()
        self.new_form = ProfileForm(self.model)
        self.add_button = widgets.Button(
            description="Add patient", button_style="primary", icon="user-plus"
        )
        self.add_message = widgets.HTML()
        new_box = widgets.VBox(
            [
                self.new_name,
                widgets.HBox([self.new_birth_year, self.new_birth_year_msg]),
                self.new_form,
                self.add_button,
                self.add_message,
            ]
        )

        # edit the open patient's profile
        self.edit_form = ProfileForm(self.model)
        self.save_profile_button = widgets.Button(
            description="Save profile", button_style="primary", icon="save", disabled=True
        )
        self.edit_message = widgets.HTML()
        edit_box = widgets.VBox([self.edit_form, self.save_profile_button, self.edit_message])

        self.sections = widgets.Accordion(
            children=[new_box, edit_box],
            titles=("Add a new patient", "Edit the open patient's profile"),
            selected_index=None,
        )

        self.search.observe(self._on_search, names="value")
        self.results.observe(self._on_pick, names="value")
        self.new_birth_year.observe(self._on_birth_year, names="value")
        self.add_button.on_click(safe_call(self.add_message, "Adding the patient")(self._on_add))
        self.save_profile_button.on_click(
            safe_call(self.edit_message, "Saving the profile")(self._on_save_profile)
        )

        super().__init__(
            [
                widgets.HTML("<h3 style='margin:4px 0'>1. Patient</h3>"),
                self.search,
                self.results,
                self.message,
                self.card,
                self.sections,
            ]
        )
        self.refresh_list()

    # wiring for the app -------------------------------------------------------------------
    def on_choose(self, callback: Callable[[ChosenPatient], None]) -> None:
        """Call ``callback(chosen)`` whenever a patient is opened, added or edited."""
        self._listeners.append(callback)

    def _announce(self, chosen: ChosenPatient) -> None:
        self.card.value = profile_summary_html(chosen, self.model.today.year)
        self.edit_form.show(chosen.profile)
        self.save_profile_button.disabled = False
        for callback in self._listeners:
            try:
                callback(chosen)
            except Exception as exc:  # one broken screen must not hide the patient
                show_error(self.message, exc, "Updating the other screens")

    # callbacks: read widgets, call the model, show the result --------------------------------
    def refresh_list(self) -> None:
        try:
            options = self.model.choices(self.search.value)
        except Exception as exc:
            show_error(self.message, exc, "Searching the patients")
            return
        current = self.results.value
        self.results.options = options
        ids = [pid for _, pid in options]
        self.results.value = current if current in ids else None
        if self.search.value.strip() and not options:
            self.message.value = message_html(
                f"No patient matches \u201c{self.search.value.strip()}\u201d.", "info"
            )
        else:
            self.message.value = ""

    def _on_search(self, change: dict) -> None:
        self.refresh_list()

    def _on_pick(self, change: dict) -> None:
        if change["new"] is None:
            return
        try:
            chosen = self.model.choose(change["new"])
        except Exception as exc:
            show_error(self.message, exc, "Opening the patient")
            return
        log.info("patient %s opened", chosen.patient_id)
        self._announce(chosen)

    def select(self, patient_id: str) -> ChosenPatient | None:
        """Open a patient by id, as if picked from the list."""
        if patient_id not in [pid for _, pid in self.results.options]:
            self.search.value = ""
        self.results.value = patient_id
        return self.model.chosen

    def _on_birth_year(self, change: dict) -> None:
        text = change["new"].strip()
        if not text:
            self.new_birth_year_msg.value = ""
            return
        try:
            age = self.model.age_for(text)
            self.model.make_profile(text, **self.new_form.values())
        except WorkbookError as exc:
            self.new_birth_year_msg.value = field_message_html(str(exc))
        else:
            self.new_birth_year_msg.value = f"<span style='color:#555'>age {age}</span>"

    def _on_add(self, _button: widgets.Button) -> None:
        chosen = self.model.add(
            self.new_name.value, self.new_birth_year.value, **self.new_form.values()
        )
        self.add_message.value = message_html(f"{chosen.name} added and opened.", "ok")
        self.new_name.value = ""
        self.new_birth_year.value = ""
        self.search.value = ""
        self.refresh_list()
        self.results.value = chosen.patient_id  # announces through _on_pick

    def _on_save_profile(self, _button: widgets.Button) -> None:
        chosen = self.model.update(**self.edit_form.values())
        self.edit_message.value = message_html(
            f"Profile saved for {chosen.name}; the routine follows it.", "ok"
        )
        self._announce(chosen)
