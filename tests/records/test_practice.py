"""A practice's store: discharge and readmission, who did what inside a JupyterHub, and who may
erase. Each test runs on SQLite and on PostgreSQL (the ``store`` fixture)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from workbook.clinical.profile import PatientProfile
from workbook.errors import WorkbookError
from workbook.records import identity
from workbook.records.store import Store

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)
PROFILE = PatientProfile(age=60, activity="active", floor_transfer=True, kneeling="comfortable")


@pytest.fixture
def two(store: Store) -> tuple[str, str]:
    ada = store.add_patient("Ada Example", TODAY.year - 60, PROFILE)
    ben = store.add_patient("Ben Example", TODAY.year - 60, PROFILE)
    store.log_visit(ada, TODAY - DAY, {("hip_flexion", "left"): 90}, pain=4)
    return ada, ben


@pytest.fixture
def outside_hub(monkeypatch) -> None:
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.delenv("WORKBOOK_ROLE", raising=False)


def test_a_discharged_patient_is_kept_but_off_the_active_list(
    store: Store, two: tuple[str, str]
) -> None:
    ada, ben = two
    store.discharge(ada, reason="goals met", therapist="Kim")
    table = store.patients().set_index("patient_id")
    assert table.loc[ada, "discharged_on"] == pd.Timestamp(TODAY)
    assert table.loc[ada, "discharge_reason"] == "goals met"
    assert pd.isna(table.loc[ben, "discharged_on"]) and table.loc[ben, "discharge_reason"] is None
    assert store.patients(active_only=True)["patient_id"].tolist() == [ben]
    assert len(store.visits(ada)) == 1 and len(store.measurements(ada)) == 1
    log = store.audit_log()
    line = log[log["event"] == "discharge"].iloc[0]
    assert (line["patient_id"], line["actor"], line["reason"]) == (ada, "Kim", "goals met")


def test_readmission_brings_the_patient_back_and_both_stay_in_the_log(
    store: Store, two: tuple[str, str]
) -> None:
    ada, _ = two
    store.discharge(ada, reason="goals met")
    with pytest.raises(WorkbookError, match="readmit them first"):
        store.discharge(ada, reason="again")
    store.readmit(ada, reason="new episode of pain", therapist="Jo")
    assert ada in store.patients(active_only=True)["patient_id"].tolist()
    row = store.patients().set_index("patient_id").loc[ada]
    assert pd.isna(row["discharged_on"]) and row["discharge_reason"] is None
    with pytest.raises(WorkbookError, match="a discharged patient"):
        store.readmit(ada, reason="twice")
    events = store.audit_log()["event"].tolist()
    assert events == ["discharge", "readmit"]


@pytest.mark.parametrize("call", ["discharge", "readmit"])
def test_discharge_and_readmit_need_a_reason_and_a_known_patient(store: Store, call: str) -> None:
    before = store.table_counts()
    with pytest.raises(WorkbookError, match="reason"):
        getattr(store, call)("p_nobody", reason="  ")
    with pytest.raises(WorkbookError, match="patient_id"):
        getattr(store, call)("p_nobody", reason="moved away")
    assert store.table_counts() == before


def test_voided_visits_do_not_count_in_the_patient_list(store: Store, two: tuple[str, str]) -> None:
    ada, _ = two
    visit = store.log_visit(ada, TODAY, {}, pain=2)
    assert store.patients().set_index("patient_id").loc[ada, "n_visits"] == 2
    store.void_visit(visit, reason="entered twice")
    row = store.patients().set_index("patient_id").loc[ada]
    assert row["n_visits"] == 1 and row["last_visit_date"] == pd.Timestamp(TODAY - DAY)


# -- identity ---------------------------------------------------------------------------------


def test_outside_a_hub_nobody_is_logged_in_and_the_user_may_do_everything(outside_hub) -> None:
    assert identity.current_user() is None
    assert identity.is_admin() is True
    identity.require_admin("erase a patient")


@pytest.mark.parametrize(("role", "admin"), [("admin", True), ("", False), ("therapist", False)])
def test_inside_a_hub_only_the_admin_role_is_admin(monkeypatch, role: str, admin: bool) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", "kim")
    monkeypatch.setenv("WORKBOOK_ROLE", role)
    assert identity.current_user() == "kim"
    assert identity.is_admin() is admin


def test_inside_a_hub_every_write_names_the_logged_in_user(
    store: Store, two: tuple[str, str], monkeypatch
) -> None:
    ada, _ = two
    monkeypatch.setenv("JUPYTERHUB_USER", "kim")
    monkeypatch.setenv("WORKBOOK_ROLE", "admin")
    visit = store.log_visit(ada, TODAY, {}, pain=3)
    store.amend_visit(visit, reason="typo", pain=2)
    store.void_visit(visit, reason="duplicate")
    store.update_profile(ada, PROFILE, reason="new job")
    store.discharge(ada, reason="goals met")
    store.readmit(ada, reason="back")
    store.remove_patient(ada, reason="asked to be forgotten")
    log = store.audit_log()
    assert log["event"].tolist() == [
        "amend_visit",
        "void_visit",
        "update_profile",
        "discharge",
        "readmit",
        "remove_patient",
    ]
    assert set(log["actor"]) == {"kim"}


def test_inside_a_hub_a_therapist_who_is_not_admin_cannot_erase(
    store: Store, two: tuple[str, str], monkeypatch
) -> None:
    ada, _ = two
    monkeypatch.setenv("JUPYTERHUB_USER", "jo")
    monkeypatch.delenv("WORKBOOK_ROLE", raising=False)
    before = store.table_counts()
    with pytest.raises(WorkbookError, match="hub admin") as caught:
        store.remove_patient(ada, reason="asked to be forgotten", requested_by="jo")
    assert caught.value.value == "jo"
    assert store.table_counts() == before


def test_outside_a_hub_erasure_still_needs_who_asked(
    store: Store, two: tuple[str, str], outside_hub
) -> None:
    ada, _ = two
    with pytest.raises(WorkbookError, match="requested_by"):
        store.remove_patient(ada, reason="asked to be forgotten")
    assert store.remove_patient(ada, reason="asked", requested_by="Kim")["patients"] == 1
