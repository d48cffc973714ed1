"""Small made-up fixtures: the article's kinds of patient, and a fresh store per test.

The ``store`` fixture is parametrised: every test that takes it runs on SQLite and on
PostgreSQL (a throw-away cluster started once per session; ``-m "not postgresql"`` skips those).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import PostgresServer, throwaway_cluster
from workbook.clinical.profile import PatientProfile
from workbook.records.store import Store, open_store


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


# -- the clinic store, on SQLite and on PostgreSQL --------------------------------------------

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
]


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory) -> Iterator[PostgresServer]:
    """A PostgreSQL server that tests may create databases on, started on first use.

    A throw-away cluster (see ``tests/postgres.py``), or the existing server named by
    ``$WORKBOOK_TEST_POSTGRES`` (a database URL whose role may create databases).
    """
    existing = os.environ.get("WORKBOOK_TEST_POSTGRES")
    if existing:
        server = PostgresServer(existing)
        try:
            yield server
        finally:
            server.close()
        return
    with throwaway_cluster() as server:
        yield server


class StoreMaker:
    """Opens empty stores on one backend and closes (and drops) them at the end."""

    def __init__(self, backend: str, folder: Path, request: pytest.FixtureRequest) -> None:
        self.backend = backend
        self._folder = folder
        self._request = request
        self._opened: list[tuple[Store, str | None]] = []

    def location(self, name: str = "clinic") -> str | Path:
        """Where a new empty store goes: a file, or a new PostgreSQL database's URL."""
        if self.backend == "sqlite":
            return self._folder / f"{name}.sqlite"
        server: PostgresServer = self._request.getfixturevalue("postgres_server")
        return server.new_database()

    def __call__(self, name: str = "clinic") -> Store:
        location = self.location(name)
        store = open_store(location)
        self._opened.append((store, None if self.backend == "sqlite" else str(location)))
        return store

    def close(self) -> None:
        for store, url in self._opened:
            store.close()
            if url is not None:
                self._request.getfixturevalue("postgres_server").drop_database(url)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The store backend a test runs on: each store test runs once on each."""
    return request.param


@pytest.fixture
def new_store(backend, tmp_path, request) -> Iterator[StoreMaker]:
    """Call it for another empty store on the test's backend (an import target, a copy)."""
    maker = StoreMaker(backend, tmp_path, request)
    try:
        yield maker
    finally:
        maker.close()


@pytest.fixture
def store(new_store) -> Store:
    """An empty store: a temporary SQLite file, or a brand-new PostgreSQL database."""
    return new_store()


@pytest.fixture(scope="module", params=BACKENDS)
def module_store(request, tmp_path_factory) -> Iterator[Store]:
    """One empty store for a whole module, once per backend (for read-mostly modules)."""
    maker = StoreMaker(request.param, tmp_path_factory.mktemp("store"), request)
    try:
        yield maker()
    finally:
        maker.close()
