"""Shared screen helpers: escaping, messages, download links, errors shown and logged."""

from __future__ import annotations

import base64
import logging
import re

import ipywidgets as widgets

from workbook.errors import WorkbookError
from workbook.ui import common


def test_esc_turns_markup_in_patient_text_into_plain_text():
    assert common.esc('<script>alert("x")</script>') == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    )
    assert common.esc(None) == ""


def test_message_html_escapes_the_text_it_shows():
    shown = common.message_html("Saved for <b>Ann</b>", "ok")
    assert "&lt;b&gt;Ann&lt;/b&gt;" in shown
    assert "<b>Ann</b>" not in shown


def test_download_link_carries_the_bytes_and_an_escaped_file_name():
    data = b"\x89PNG\r\n\x1a\nfake"
    link = common.download_link_html(data, 'chart".png', "Chart")
    assert 'download="chart&quot;.png"' in link
    href = re.search(r'href="data:image/png;base64,([^"]+)"', link).group(1)
    assert base64.b64decode(href) == data


def test_plain_error_says_the_workbook_message_in_words_and_names_other_faults():
    assert common.plain_error(WorkbookError("pain", 11, "0 to 10")) == (
        "Pain (0-10) = 11 is not allowed; 0 to 10."
    )
    text = common.plain_error(WorkbookError("hip_flexion left (degrees)", "400", "0 to 150"))
    assert text == "Hip flexion, left = 400\u00b0 is not allowed; 0 to 150."
    assert "hold_s" not in common.plain_error(WorkbookError("hold_s", "abc", "a whole number"))
    text = common.plain_error(RuntimeError("disk full"), "Saving the visit")
    assert text == "Saving the visit failed: RuntimeError: disk full"


def test_show_error_shows_the_message_and_logs_it(caplog):
    target = widgets.HTML()
    with caplog.at_level(logging.ERROR, logger="workbook.ui"):
        common.show_error(target, OSError("store unreachable"), "Saving the visit")
    assert "store unreachable" in target.value
    assert "wb-msg-error" in target.value
    assert any("Saving the visit" in r.getMessage() for r in caplog.records)


def test_safe_call_shows_a_failing_callback_instead_of_raising():
    target = widgets.HTML()

    @common.safe_call(target, "Exporting")
    def callback(_button):
        raise ValueError("no chart")

    assert callback(None) is None
    assert "Exporting failed: ValueError: no chart" in target.value


def test_html_table_escapes_every_cell_by_default():
    table = common.html_table([["<i>x</i>", "1"]], ["Name", "N"])
    assert "&lt;i&gt;x&lt;/i&gt;" in table
    assert "<i>x</i>" not in table


def test_png_image_is_a_png_image_widget():
    image = common.png_image(b"abc", width="100px")
    assert image.format == "png"
    assert image.value == b"abc"


def test_the_store_line_names_a_clinic_store_and_stays_quiet_for_the_demo(store):
    assert common.store_label(store) in common.store_line_html(store)
    assert common.store_label(store)
    store.mark_as_demo()
    assert common.store_line_html(store) == ""
