"""The patient screen: find a patient, add one, edit the profile.

:class:`~workbook.ui.patient_model.PatientModel` knows the store and no widget;
:class:`PatientScreen` is the widget that shows it. Every vocabulary (activity, kneeling,
conditions, equipment) is a choice among the allowed values read from the package, never free
text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from ..clinical.profile import ACTIVITY_LEVELS, KNEELING_LEVELS, PatientProfile
from ..errors import WorkbookError
from .common import esc, field_message_html, log, message_html, refused_text, safe_call
from .patient_model import ChosenPatient, PatientModel
from .screen import Screen

__all__ = ["FLOOR_TEXT", "PatientScreen", "ProfileForm", "profile_summary_html"]

FLOOR_TEXT = "Gets down to the floor and back up unaided"
_TICK = widgets.Layout(width="28px")
Guard = Callable[[str], bool]


class ProfileForm(widgets.VBox):
    """Every profile field as a choice among the allowed values.

    Read it with :meth:`values`, fill it with :meth:`show`.
    """

    def __init__(self, model: PatientModel) -> None:
        super().__init__()
        self._build(model)
        self._layout()

    def _build(self, model: PatientModel) -> None:
        self._activity = widgets.Dropdown(
            options=[(a.capitalize(), a) for a in ACTIVITY_LEVELS],
            value=ACTIVITY_LEVELS[0],
            description="Activity",
        )
        # the description of a Checkbox is cut at the label width: the words go in an HTML beside
        self._floor_transfer = widgets.Checkbox(value=True, indent=False, layout=_TICK)
        self._kneeling = widgets.Dropdown(
            options=[(k.capitalize(), k) for k in KNEELING_LEVELS],
            value=KNEELING_LEVELS[0],
            description="Kneeling",
        )
        self._conditions = {
            value: widgets.Checkbox(value=False, description=label, indent=False)
            for label, value in model.condition_choices()
        }
        self._equipment = {
            value: widgets.Checkbox(value=False, description=label, indent=False)
            for label, value in model.equipment_choices()
        }

    def _layout(self) -> None:
        grid = widgets.Layout(grid_template_columns="repeat(2, 320px)", margin="0 0 0 90px")
        floor = widgets.HBox(
            [self._floor_transfer, widgets.HTML(FLOOR_TEXT)],
            layout=widgets.Layout(margin="0 0 0 90px", align_items="center"),
        )
        self.children = [
            self._activity,
            floor,
            self._kneeling,
            widgets.HTML("<b>Conditions</b>"),
            widgets.GridBox(list(self._conditions.values()), layout=grid),
            widgets.HTML("<b>Equipment at home</b>"),
            widgets.GridBox(list(self._equipment.values()), layout=grid),
        ]

    def values(self) -> dict[str, Any]:
        """The fields as keyword arguments of ``PatientModel.make_profile``."""
        return {
            "activity": self._activity.value,
            "floor_transfer": bool(self._floor_transfer.value),
            "kneeling": self._kneeling.value,
            "conditions": [k for k, box in self._conditions.items() if box.value],
            "equipment": [k for k, box in self._equipment.items() if box.value],
        }

    def reset(self) -> None:
        """Back to the defaults: nothing ticked, nothing carried from another patient."""
        self._activity.value = ACTIVITY_LEVELS[0]
        self._floor_transfer.value = True
        self._kneeling.value = KNEELING_LEVELS[0]
        for box in (*self._conditions.values(), *self._equipment.values()):
            box.value = False

    def show(self, profile: PatientProfile) -> None:
        """Fill every field from a profile."""
        self._activity.value = profile.activity
        self._floor_transfer.value = profile.floor_transfer
        self._kneeling.value = profile.kneeling
        for key, box in self._conditions.items():
            box.value = key in profile.conditions
        for key, box in self._equipment.items():
            box.value = key in profile.equipment


def profile_summary_html(chosen: ChosenPatient, today_year: int) -> str:
    """A short card about the open patient; every piece of text escaped."""
    p = chosen.profile
    label_of_condition = {v: k for k, v in PatientModel.condition_choices()}
    label_of_equipment = {v: k for k, v in PatientModel.equipment_choices()}
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


class PatientScreen(Screen):
    """Find, add and edit patients. Other screens follow :meth:`on_choose`.

    Parameters
    ----------
    store : workbook.records.store.Store
        The clinic store.
    today : datetime.date, optional
        Fixed in tests.
    """

    def __init__(self, store: Any, *, today: dt.date | None = None) -> None:
        super().__init__()
        self.model = PatientModel(store, today=today)
        self._build()
        self._layout()
        self._wire()
        self.refresh_list()

    def _build(self) -> None:
        self._search = widgets.Text(
            placeholder="Type part of a name or an id",
            description="Find",
            continuous_update=True,
            layout=widgets.Layout(width="420px"),
        )
        self._results = widgets.Select(
            options=[], rows=7, description="Patients", layout=widgets.Layout(width="620px")
        )
        self._card = widgets.HTML(
            message_html("Choose a patient from the list, or add one.", "info")
        )
        # new patient
        self._new_name = widgets.Text(description="Name", layout=widgets.Layout(width="420px"))
        self._new_birth_year = widgets.Text(
            description="Birth year",
            placeholder="1950, or an age: 74",
            layout=widgets.Layout(width="240px"),
        )
        self._new_birth_year_msg = widgets.HTML()
        self._new_form = ProfileForm(self.model)
        self._add_button = widgets.Button(
            description="Add patient", button_style="primary", icon="user-plus"
        )
        self._add_message = widgets.HTML()
        # the open patient's profile
        self._edit_form = ProfileForm(self.model)
        self._save_profile_button = widgets.Button(
            description="Save profile", button_style="primary", icon="save", disabled=True
        )
        self._edit_message = widgets.HTML()

    def _layout(self) -> None:
        new_box = widgets.VBox(
            [
                self._new_name,
                widgets.HBox([self._new_birth_year, self._new_birth_year_msg]),
                self._new_form,
                self._add_button,
                self._add_message,
            ]
        )
        edit_box = widgets.VBox([self._edit_form, self._save_profile_button, self._edit_message])
        self._sections = widgets.Accordion(
            children=[new_box, edit_box],
            titles=("Add a new patient", "Edit the open patient's profile"),
            selected_index=None,
        )
        self.children = [
            widgets.HTML("<h3 style='margin:4px 0'>1. Patient</h3>"),
            self._search,
            self._results,
            self._message,
            self._card,
            self._sections,
        ]

    def _wire(self) -> None:
        self._guard: Guard | None = None
        self._reverting = False
        self._search.observe(self._on_search, names="value")
        self._results.observe(self._on_pick, names="value")
        self._new_birth_year.observe(self._on_birth_year, names="value")
        self._add_button.on_click(safe_call(self._add_message, "Adding the patient")(self._on_add))
        self._save_profile_button.on_click(
            safe_call(self._edit_message, "Saving the profile")(self._on_save_profile)
        )

    # for the app and the notebooks ------------------------------------------------------------
    def on_choose(self, callback: Callable[[ChosenPatient], None]) -> None:
        """Call ``callback(chosen)`` whenever a patient is opened, added or edited."""
        self.add_listener(callback)

    def set_guard(self, guard: Guard | None) -> None:
        """Ask ``guard(patient_id)`` before another patient is opened; False keeps the open one.

        The app uses it to ask about unsaved visit values first.
        """
        self._guard = guard

    def reset_for_patient(self) -> None:
        """Forget the new-patient form and the messages: nothing typed carries to the next one."""
        self._new_name.value = ""
        self._new_birth_year.value = ""
        self._new_birth_year_msg.value = ""
        self._new_form.reset()
        self._add_message.value = ""
        self._edit_message.value = ""

    def select(self, patient_id: str) -> ChosenPatient | None:
        """Open a patient by id, as if picked from the list."""
        if patient_id not in self.listed():
            self._search.value = ""
        self._results.value = patient_id
        return self.model.chosen

    def listed(self) -> list[str]:
        """The ids of the patients in the list now (every patient before any search)."""
        return [pid for _, pid in self._results.options]

    def show_sections(self, shown: bool) -> None:
        """Show or hide the add and edit sections (finding a patient is enough for a report)."""
        self._sections.layout.display = None if shown else "none"

    def refresh_list(self) -> None:
        """Read the patient list again for the text in the search box."""
        try:
            options = self.model.choices(self._search.value)
        except Exception as exc:
            self._show_error(exc, "Searching the patients")
            return
        current = self._results.value
        self._results.options = options
        self._results.value = current if current in self.listed() else None
        text = self._search.value.strip()
        if text and not options:
            self._message.value = message_html(f"No patient matches \u201c{text}\u201d.", "info")
        else:
            self._message.value = ""

    def _announce(self, chosen: ChosenPatient) -> None:
        self._card.value = profile_summary_html(chosen, self.model.today.year)
        self._edit_form.show(chosen.profile)
        self._save_profile_button.disabled = False
        self._notify(chosen)

    # callbacks: read widgets, call the model, show the result --------------------------------
    def _on_search(self, change: dict) -> None:
        self.refresh_list()

    def _on_pick(self, change: dict) -> None:
        if change["new"] is None or self._reverting:
            return
        opened = self.model.chosen.patient_id if self.model.chosen else None
        if self._guard is not None and change["new"] != opened and not self._guard(change["new"]):
            self._reverting = True  # show the open patient again; the guard asks the therapist
            try:
                self._results.value = opened if opened in self.listed() else None
            finally:
                self._reverting = False
            return
        try:
            chosen = self.model.choose(change["new"])
        except Exception as exc:
            self._show_error(exc, "Opening the patient")
            return
        log.info("patient %s opened", chosen.patient_id)
        self._announce(chosen)

    def _on_birth_year(self, change: dict) -> None:
        text = change["new"].strip()
        if not text:
            self._new_birth_year_msg.value = ""
            return
        try:
            year, note = self.model.birth_year_from(text)
            self.model.make_profile(year, **self._new_form.values())
        except WorkbookError as exc:
            self._new_birth_year_msg.value = field_message_html(refused_text(exc))
        else:
            self._new_birth_year_msg.value = f"<span style='color:#555'>{esc(note)}</span>"

    def _on_add(self, _button: widgets.Button) -> None:
        chosen = self.model.add(
            self._new_name.value, self._new_birth_year.value, **self._new_form.values()
        )
        self._search.value = ""
        self.refresh_list()
        self._results.value = chosen.patient_id  # announces through _on_pick
        self.reset_for_patient()  # the next new patient starts from an empty form
        added = message_html(f"{chosen.name} added and opened.", "ok")
        self._add_message.value = self._message.value = added
        # close the form: the new patient's card, under the list, is what to look at next
        self._sections.selected_index = None

    def _on_save_profile(self, _button: widgets.Button) -> None:
        chosen = self.model.update(**self._edit_form.values())
        self._edit_message.value = message_html(
            f"Profile saved for {chosen.name}; the routine follows it.", "ok"
        )
        self._announce(chosen)
