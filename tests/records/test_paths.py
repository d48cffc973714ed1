"""Where the workbook writes: one per-user folder, never the repository or the package."""

from __future__ import annotations

from pathlib import Path

from workbook.records import paths

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_exports_dir_follows_the_environment_and_is_created(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_EXPORTS", str(tmp_path / "out"))
    assert paths.exports_dir() == tmp_path / "out"
    assert (tmp_path / "out").is_dir()


def test_every_user_file_lives_in_one_per_user_folder(monkeypatch):
    monkeypatch.delenv("WORKBOOK_EXPORTS", raising=False)
    home = paths.user_data_dir()
    assert not home.resolve().is_relative_to(REPO_ROOT)
    for place in (paths.default_store_path(), paths.demo_store_path(), paths.notebook_workspace()):
        assert place.parent == home
    assert paths.APP_NAME in home.parts


def test_the_version_comes_from_the_installed_package():
    assert paths.workbook_version()[0].isdigit()
