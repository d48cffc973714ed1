"""Small made-up fixtures: the article's kinds of patient, and a fresh store per test."""

from __future__ import annotations

import pytest

from workbook.clinical.profile import PatientProfile


@pytest.fixture
def older_stenosis() -> PatientProfile:
    """The issue's sign-off case: 80, sedentary, no floor, cannot kneel, spinal stenosis."""
    return PatientProfile(
        age=80,
        activity="sedentary",
        floor_transfer=False,
        kneeling="unable",
        conditions={"spinal_stenosis"},
    )


@pytest.fixture
def athlete() -> PatientProfile:
    return PatientProfile(
        age=28,
        activity="athletic",
        floor_transfer=True,
        kneeling="comfortable",
        equipment={"yoga_block", "yoga_mat", "broomstick"},
    )


@pytest.fixture
def active_adult() -> PatientProfile:
    return PatientProfile(age=45, activity="active", floor_transfer=True, kneeling="comfortable")


@pytest.fixture
def sciatica() -> PatientProfile:
    return PatientProfile(
        age=50,
        activity="active",
        floor_transfer=True,
        kneeling="comfortable",
        conditions={"sciatica"},
    )


@pytest.fixture
def cannot_kneel() -> PatientProfile:
    return PatientProfile(age=60, activity="active", floor_transfer=True, kneeling="unable")


@pytest.fixture
def painful_kneeling() -> PatientProfile:
    return PatientProfile(
        age=55, activity="active", floor_transfer=True, kneeling="painful", conditions={"knee_pain"}
    )


@pytest.fixture
def store(tmp_path):
    """An empty store in a temporary file, closed after the test."""
    from workbook.records.store import open_store

    with open_store(tmp_path / "clinic.sqlite") as opened:
        yield opened
