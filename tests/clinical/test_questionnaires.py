"""ODI section names, PSFS rules and progress, adherence, dose warnings."""

from __future__ import annotations

import pandas as pd
import pytest

from workbook import WorkbookError, odi_section_names, psfs_progress, psfs_score
from workbook.clinical.adherence import adherence_percent, adherence_summary, check_adherence
from workbook.clinical.dosing import dose_warning, per_week_text
from workbook.clinical.questionnaires import check_psfs, odi_sections_table


def test_odi_has_ten_named_sections_with_sources():
    names = odi_section_names()
    assert len(names) == 10
    assert names[0] == "Pain intensity" and names[-1] == "Travelling"
    assert (odi_sections_table()["source"].str.len() > 0).all()


@pytest.mark.parametrize(
    "ratings",
    [{}, {"a": 1, "b": 2, "c": 3, "d": 4}, {"stairs": 11}, {"stairs": 2.5}, {"": 3}, {"x": True}],
)
def test_psfs_refuses_what_the_scale_does_not_allow(ratings):
    with pytest.raises(WorkbookError):
        check_psfs(ratings)


def test_psfs_score_is_the_mean():
    assert psfs_score({"stairs": 2, "socks": 5, "car": 8}) == 5.0


def test_psfs_progress_judges_activities_by_3_and_the_mean_by_2():
    frame = pd.DataFrame(
        {
            "visit_id": ["v1", "v1", "v2", "v2"],
            "visit_date": pd.to_datetime(["2025-01-06"] * 2 + ["2025-02-03"] * 2),
            "activity": ["stairs", "socks", "stairs", "socks"],
            "score_points": [2, 4, 5, 5],
        }
    )
    result = psfs_progress(frame).set_index("activity")
    assert result.at["stairs", "real_change"] == "improved"  # +3, MDC 3
    assert result.at["socks", "real_change"] == "within measurement error"  # +1
    assert result.at["(mean)", "change_points"] == 2.0
    assert result.at["(mean)", "real_change"] == "improved"


def test_adherence_checks_and_sums():
    assert adherence_percent(7, 14) == 50.0
    with pytest.raises(WorkbookError, match="days_done"):
        check_adherence(8, 7)
    visits = pd.DataFrame(
        {
            "visit_date": pd.to_datetime(["2025-01-06", "2025-01-20"]),
            "days_done": [10, 4],
            "days_prescribed": [14, 14],
        }
    )
    summary = adherence_summary(visits)
    assert (summary["days_done"], summary["days_prescribed"]) == (14, 28)
    assert summary["percent"] == 50.0 and summary["latest_percent"] == pytest.approx(28.57, 0.01)


def test_dose_outside_the_evidence_is_named_and_days_read_right():
    assert "Hold 5 s is below" in dose_warning(30, 5, 1, 5)
    assert "Repetitions 1 is below" in dose_warning(30, 5, 1, 5)
    assert dose_warning(70, 60, 2, 5) == ""
    assert per_week_text(1) == "1 day a week"
