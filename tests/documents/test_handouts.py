"""The patient handout: complete for each of the article's patients, safe with any text.

A patient follows this sheet alone at home: every stretch of the routine must be on it with its
drawing, steps, dose, what to feel, when to stop and the cautions that apply to them; the
therapist's reasons must not be; text typed by people must never become markup.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from html.parser import HTMLParser
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import pytest

from workbook.clinical.display import dose_sentence
from workbook.clinical.routine import generate_routine
from workbook.documents.handouts import (
    FOOTER,
    NO_STRETCH,
    SAFETY_LINE,
    handout,
    handout_items,
    pdf_pages,
)
from workbook.errors import WorkbookError

ARTICLE_CASES = ["older_stenosis", "athlete", "sciatica", "cannot_kneel", "painful_kneeling"]
ATTACK = "<script>alert(1)</script>"
PRINTED = dt.date(2025, 3, 14)
VOID = {"meta", "img", "br", "hr", "link", "input", "source", "wbr"}


class Page(HTMLParser):
    """Collects what a browser would show, the tags used, and any nesting mistake."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.imgs: list[dict[str, str | None]] = []
        self.chunks: list[str] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.feed(text)
        self.close()
        if self.stack:
            self.errors.append(f"unclosed: {self.stack}")

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.imgs.append(dict(attrs))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.chunks.append(data)

    @property
    def text(self) -> str:
        """Visible text with whitespace collapsed (style and title included; harmless here)."""
        return " ".join(" ".join(self.chunks).split())


def squash(text: str) -> str:
    return " ".join(text.split())


def pdf_page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def routine_for(request, case: str):
    return generate_routine(request.getfixturevalue(case))


def fake_routine(routine, **changes_by_row):
    """A routine-like object (same attributes) whose table rows are edited: row index -> dict."""
    table = routine.table.copy()
    for index, changes in changes_by_row.items():
        for column, value in changes.items():
            table.loc[int(index.removeprefix("row")), column] = value
    return SimpleNamespace(table=table, profile=routine.profile)


# --- The article's patients ---------------------------------------------------------------------


@pytest.mark.parametrize("case", ARTICLE_CASES)
def test_html_handout_holds_every_stretch_with_its_drawing_steps_dose_and_cautions(
    request, tmp_path, case
):
    routine = routine_for(request, case)
    path = handout(
        routine,
        tmp_path / "handout.html",
        patient_name="Pat Example",
        clinic="Hip Clinic",
        note="See you in two weeks.",
        printed_on=PRINTED,
    )
    text = path.read_text(encoding="utf-8")
    page = Page(text)
    assert page.errors == []
    assert page.tags.count("html") == 1 and "style" in page.tags

    stretches = routine.table[routine.table["stretch_id"] != ""]
    assert len(page.imgs) == len(stretches), "one drawing per stretch"
    for img in page.imgs:
        assert img["src"].startswith("data:image/svg+xml;base64,")
        assert img["alt"], "every drawing is described in words"
    assert page.tags.count("section") == len(routine.table)

    shown = page.text
    for _, row in stretches.iterrows():
        assert squash(row["name"]) in shown
        for step in row["cues"].splitlines():
            assert squash(re.sub(r"^\d+\.\s*", "", step)) in shown
        assert dose_sentence(row["hold_s"], row["reps"], row["per_week"], row["per_side"]) in shown
        assert squash(row["feel"]) in shown
        assert squash(row["stop_if"]) in shown
        for caution in row["cautions_patient"].splitlines():
            assert squash(caution) in shown, caution
        assert squash(row["reason"]) not in shown, "the therapist's reason stays off the sheet"
    for needed in (
        "Pat Example",
        "Hip Clinic",
        "See you in two weeks.",
        "14 March 2025",
        squash(SAFETY_LINE),
        FOOTER,
    ):
        assert needed in shown


@pytest.mark.parametrize("case", ARTICLE_CASES)
def test_html_handout_is_self_contained_with_no_outside_address(request, tmp_path, case):
    text = handout(routine_for(request, case), tmp_path / "h.html").read_text(encoding="utf-8")
    assert (
        "http:" not in text
        and "https:" not in text
        and "//" not in re.sub(r"data:[^\"]*", "", text)
    )
    assert "<link" not in text and "<script" not in text
    assert "@media print" in text


@pytest.mark.parametrize("case", ARTICLE_CASES)
def test_pdf_handout_is_a_pdf_with_one_or_two_stretches_a_page(request, tmp_path, case):
    routine = routine_for(request, case)
    path = handout(
        routine, tmp_path / "handout.pdf", patient_name="Pat Example", printed_on=PRINTED
    )
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    items = handout_items(routine)
    pages = pdf_page_count(data)
    stretch_pages = len(pdf_pages(items, patient_name="Pat Example", printed_on=PRINTED))
    assert math.ceil(len(items) / 2) <= stretch_pages <= len(items)
    # the home sheet (tick sheet, pain rule, seek-help box) shares the last page or has its own
    assert stretch_pages <= pages <= stretch_pages + 1


@pytest.mark.parametrize("case", ARTICLE_CASES)
def test_pdf_pages_carry_every_stretch_name_and_drawing(request, case):
    routine = routine_for(request, case)
    items = handout_items(routine)
    figures = pdf_pages(items, printed_on=PRINTED)
    texts = " ".join(t.get_text() for fig in figures for t in fig.texts)
    drawings = sum(len(fig.axes) for fig in figures)
    assert drawings == sum(item.has_stretch for item in items)
    for item in items:
        # names may wrap across lines in the PDF: compare word by word
        assert all(word in texts for word in item.name.split())
        for caution in item.cautions:
            assert caution.split()[0] in texts
    assert FOOTER in texts


def test_the_front_of_hip_pinch_advice_reaches_the_rock_back_patient(request, tmp_path):
    routine = routine_for(request, "athlete")
    assert "rock_back" in set(routine.table["stretch_id"])
    shown = Page(handout(routine, tmp_path / "h.html").read_text(encoding="utf-8")).text
    assert "pinch at the front of the hip" in shown


def test_stenosis_caution_is_printed_for_the_older_patient_and_not_for_the_athlete(
    request, tmp_path
):
    caution = "tuck the tailbone under"
    older = Page(
        handout(routine_for(request, "older_stenosis"), tmp_path / "a.html").read_text(
            encoding="utf-8"
        )
    ).text
    athlete = Page(
        handout(routine_for(request, "athlete"), tmp_path / "b.html").read_text(encoding="utf-8")
    ).text
    assert caution in older
    assert caution not in athlete


def test_each_side_is_said_only_for_one_sided_stretches(request):
    items = handout_items(routine_for(request, "athlete"))
    table = routine_for(request, "athlete").table
    for item, (_, row) in zip(items, table.iterrows(), strict=True):
        assert ("each side" in item.dose) == bool(row["per_side"])


# --- Escaping -----------------------------------------------------------------------------------


def test_name_clinic_and_note_with_markup_are_escaped_never_raw(request, tmp_path):
    path = handout(
        routine_for(request, "older_stenosis"),
        tmp_path / "h.html",
        patient_name=f"Ann {ATTACK}",
        clinic=f"Clinic {ATTACK}",
        note=f'Note "quoted" & {ATTACK}',
    )
    text = path.read_text(encoding="utf-8")
    assert ATTACK not in text
    assert "<script" not in text
    assert text.count(html.escape(ATTACK)) == 3
    page = Page(text)
    assert "script" not in page.tags
    assert f"Ann {ATTACK}" in page.text, "the name still reads as typed"


def test_table_text_with_markup_is_escaped_too(request, tmp_path):
    base = routine_for(request, "athlete")
    routine = fake_routine(
        base,
        row0={"name": f"Rock {ATTACK}", "cautions_patient": '<img src="x" onerror="alert(1)">'},
    )
    text = handout(routine, tmp_path / "h.html").read_text(encoding="utf-8")
    assert ATTACK not in text and 'onerror="alert' not in text
    assert len(Page(text).imgs) == len(base.table), "no img smuggled in through a caution"


def test_dollar_signs_and_backslashes_in_pdf_text_are_printed_not_parsed_as_maths(
    request, tmp_path
):
    path = handout(
        routine_for(request, "athlete"),
        tmp_path / "h.pdf",
        patient_name=r"$\frac{1}{0}$ Smith",
        note=r"Costs $5 and $10 \n \alpha",
    )
    assert path.read_bytes().startswith(b"%PDF-")


def test_pdf_metadata_names_no_patient(request, tmp_path):
    name = "Zebedee Quartermaine"
    data = handout(
        routine_for(request, "older_stenosis"), tmp_path / "h.pdf", patient_name=name
    ).read_bytes()
    assert name.encode() not in data
    assert name.encode("utf-16-be") not in data
    info = re.search(rb"/Info (\d+) 0 R", data)
    assert info is not None
    body = re.search(rb"\n" + info.group(1) + rb" 0 obj\s*(<<.*?>>)", data, re.S)
    assert body is not None
    assert b"/Title (Your home stretches)" in body.group(1)
    for key in (b"/Author", b"/CreationDate", b"/Subject", b"/Keywords"):
        assert key not in body.group(1)


# --- Rows the generator may produce, and odd tables ---------------------------------------------


def test_a_movement_without_a_safe_stretch_says_ask_your_therapist(request, tmp_path):
    base = routine_for(request, "older_stenosis")
    routine = fake_routine(
        base,
        row3={
            "stretch_id": "",
            "name": "",
            "cues": "",
            "feel": "",
            "stop_if": "",
            "cautions_patient": "",
            "pictogram": "",
            "reason": "Nothing safe: all need the floor.",
        },
    )
    page = Page(handout(routine, tmp_path / "h.html").read_text(encoding="utf-8"))
    assert NO_STRETCH in page.text
    assert "Nothing safe" not in page.text
    assert len(page.imgs) == len(base.table) - 1
    figures = pdf_pages(handout_items(routine))
    texts = " ".join(t.get_text() for fig in figures for t in fig.texts)
    assert NO_STRETCH in texts and "Nothing safe" not in texts


def test_an_unknown_pictogram_still_prints_with_a_placeholder_drawing(request, tmp_path):
    routine = fake_routine(routine_for(request, "athlete"), row0={"pictogram": "headstand"})
    page = Page(handout(routine, tmp_path / "h.html").read_text(encoding="utf-8"))
    assert any("No drawing" in (img["alt"] or "") for img in page.imgs)
    figures = pdf_pages(handout_items(routine))
    assert any("no drawing" in [t.get_text() for t in ax.texts] for f in figures for ax in f.axes)


def test_steps_are_numbered_by_the_sheet_not_doubled(request, tmp_path):
    routine = routine_for(request, "athlete")
    text = handout(routine, tmp_path / "h.html").read_text(encoding="utf-8")
    first_cues = routine.table.loc[0, "cues"].splitlines()
    steps = re.search(r'<ol class="steps">(.*?)</ol>', text, re.S).group(1)
    assert steps.count("<li>") == len(first_cues)
    assert "<li>1." not in steps


def test_short_stretches_pack_two_to_a_page(request, tmp_path):
    short = {
        "cues": "1. Sit.\n2. Lean.",
        "feel": "A pull.",
        "stop_if": "Pain.",
        "cautions_patient": "",
        "equipment": "",
    }
    routine = fake_routine(routine_for(request, "athlete"), **{f"row{i}": short for i in range(4)})
    data = handout(routine, tmp_path / "h.pdf", note="").read_bytes()
    # page 1: header and two short stretches; page 2: the other two; then the home sheet
    assert len(pdf_pages(handout_items(routine))) == 2
    assert pdf_page_count(data) == 3


def test_printed_date_defaults_to_today(request, tmp_path):
    text = handout(routine_for(request, "athlete"), tmp_path / "h.html").read_text("utf-8")
    today = dt.date.today()
    assert f"{today.day} {today:%B %Y}" in text


def test_dose_reads_in_plain_words():
    assert dose_sentence(30, 3, 5, True) == "Hold 30 seconds, 3 times, each side, 5 days a week."
    assert dose_sentence(60, 1, 7, False) == "Hold 60 seconds, once, every day."
    assert dose_sentence(1, 2, 1, False) == "Hold 1 second, 2 times, 1 day a week."


# --- Refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["routine.docx", "routine.txt", "routine", "routine.pdf.bak"])
def test_an_unknown_suffix_is_refused_naming_it_and_the_allowed_ones(request, tmp_path, name):
    with pytest.raises(WorkbookError) as caught:
        handout(routine_for(request, "athlete"), tmp_path / name)
    message = str(caught.value)
    assert "suffix" in message and ".html" in message and ".pdf" in message
    assert (tmp_path / name).suffix in message or "(none)" in message
    assert list(tmp_path.iterdir()) == []


def test_suffix_check_ignores_case(request, tmp_path):
    assert handout(routine_for(request, "athlete"), tmp_path / "H.HTML").exists()


def test_a_missing_folder_is_refused_and_nothing_is_written(request, tmp_path):
    with pytest.raises(WorkbookError, match="path"):
        handout(routine_for(request, "athlete"), tmp_path / "nowhere" / "h.pdf")
    assert list(tmp_path.iterdir()) == []


def test_something_that_is_not_a_routine_is_refused_before_any_file_exists(tmp_path):
    with pytest.raises(WorkbookError, match="routine"):
        handout({"stretches": []}, tmp_path / "h.html")
    assert list(tmp_path.iterdir()) == []


def test_a_bad_dose_in_the_table_names_the_field_and_leaves_no_file(request, tmp_path):
    routine = fake_routine(routine_for(request, "athlete"), row1={"hold_s": 0})
    with pytest.raises(WorkbookError, match="hold_s"):
        handout(routine, tmp_path / "h.pdf")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("field", ["patient_name", "clinic", "note"])
def test_non_text_name_clinic_or_note_is_refused(request, tmp_path, field):
    with pytest.raises(WorkbookError, match=field):
        handout(routine_for(request, "athlete"), tmp_path / "h.html", **{field: 12345})


def test_an_existing_handout_is_replaced_whole(request, tmp_path):
    path = tmp_path / "h.html"
    path.write_text("old sheet " * 10_000, encoding="utf-8")
    handout(routine_for(request, "athlete"), path)
    text = path.read_text(encoding="utf-8")
    assert "old sheet" not in text and text.rstrip().endswith("</html>")
    assert [p.name for p in tmp_path.iterdir()] == ["h.html"], "no temporary file left behind"


def test_the_handout_carries_the_home_sheet_in_both_formats(tmp_path):
    """Issue 11: session time, a weekly tick sheet, the pain rule and the seek-help box."""
    import subprocess

    from workbook import PatientProfile, generate_routine
    from workbook.clinical.home_sheet import home_sheet

    profile = PatientProfile(
        age=72, activity="sedentary", floor_transfer=False, kneeling="painful",
        conditions={"spinal_stenosis", "sciatica"}, sex="female",
    )  # fmt: skip
    routine = generate_routine(profile)
    sheet = home_sheet(routine.table)
    page = handout(routine, tmp_path / "h.html").read_text(encoding="utf-8")
    assert f"About {sheet.minutes} minutes a session" in page
    assert page.count('<td class="box"></td>') == 7 * len(sheet.rows)
    assert "Call us, or get help today, if" in page and "emergency" in page
    assert "5 or less on a scale of 0 to 10" in page
    pdf = handout(routine, tmp_path / "h.pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert f"About {sheet.minutes} minutes a session" in text
    assert "Call us, or get help today, if" in text and "Mon" in text and "Sun" in text
