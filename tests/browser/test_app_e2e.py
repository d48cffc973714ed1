"""The workbook as an app (Voilà, ``python -m workbook app``) in a real browser at 1366×768.

The therapist's view during a visit: a clinic laptop's screen, no code, the tab bar always in
reach, and a page refresh that simply reloads the app. The server is started exactly as a
therapist starts it (``python -m workbook app --no-browser --store ...``), on a copy of the demo
store in a temporary per-user folder. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from workbook.records.demo import make_demo_store
from workbook.ui import launch

pytestmark = pytest.mark.browser

TIMEOUT_MS = 90_000
LAPTOP = {"width": 1366, "height": 768}


@dataclass
class App:
    url: str
    store_path: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[App]:
    base = tmp_path_factory.mktemp("app")
    store_path = base / "demo.sqlite"
    make_demo_store(store_path).close()
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(base / "xdg"),
        "WORKBOOK_EXPORTS": str(base / "exports"),
        "MPLBACKEND": "Agg",
    }
    env.pop("WORKBOOK_DB", None)
    command = [sys.executable, "-m", "workbook", "app", "--no-browser", "--store", str(store_path)]
    log = (base / "app.log").open("w")
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        url = ""
        deadline = time.monotonic() + 90
        while not url and time.monotonic() < deadline and process.poll() is None:
            line = process.stdout.readline() if process.stdout else ""
            if line.startswith("Open the workbook at: "):
                url = line.split(": ", 1)[1].strip()
        assert url, f"the app never printed its address:\n{(base / 'app.log').read_text()[-2000:]}"
        port = int(url.split(":")[2].split("/")[0])
        while time.monotonic() < deadline and not launch._answers(port):
            time.sleep(0.2)
        yield App(url=url, store_path=store_path, env=env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        shutil.rmtree(base / "xdg", ignore_errors=True)


@pytest.fixture
def laptop(browser):
    context = browser.new_context(viewport=LAPTOP, accept_downloads=True)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


def open_app(page, app: App) -> None:
    page.goto(app.url, timeout=TIMEOUT_MS)
    page.locator(".widget-select select").first.wait_for(state="visible", timeout=TIMEOUT_MS)


def assert_no_error_on(page) -> None:
    text = page.locator("body").inner_text()
    for bad in ("Traceback", "Error displaying widget", "model not found"):
        assert bad not in text, f"the page shows {bad!r}"


def test_the_app_opens_on_the_visit_screens_with_no_code(app, laptop, artifacts):
    open_app(laptop, app)
    assert_no_error_on(laptop)
    assert laptop.locator(".jp-InputArea-editor, .CodeMirror, .cm-editor").count() == 0
    assert laptop.get_by_text("fictional").first.is_visible()
    tabs = laptop.locator(".lm-TabBar-tab, .widget-tab .p-TabBar-tab")
    assert tabs.count() >= 4
    box = tabs.first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= LAPTOP["height"]
    laptop.screenshot(path=str(artifacts / "app-1-open.png"))


def test_a_refresh_simply_reloads_the_app(app, laptop, artifacts):
    open_app(laptop, app)
    laptop.reload(timeout=TIMEOUT_MS)
    laptop.locator(".widget-select select").first.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert_no_error_on(laptop)
    laptop.screenshot(path=str(artifacts / "app-2-after-refresh.png"))


def test_picking_a_patient_shows_their_routine_within_the_screen(app, laptop, artifacts):
    open_app(laptop, app)
    patients = laptop.locator(".widget-select select").first
    first = patients.locator("option").all_inner_texts()[0]
    patients.select_option(label=first)
    laptop.locator(".lm-TabBar-tab", has_text="Routine").first.click()
    laptop.wait_for_timeout(500)
    assert_no_error_on(laptop)
    tabs = laptop.locator(".lm-TabBar-tab").first.bounding_box()
    assert tabs is not None and tabs["y"] >= 0, "the tab bar scrolled out of sight"
    laptop.screenshot(path=str(artifacts / "app-3-routine.png"))


def test_the_tab_bar_stays_in_view_and_the_chart_is_not_upscaled(app, laptop, artifacts):
    """Issue 13: at 1366x768 every tab switch is in reach, and the chart is drawn at its size."""
    open_app(laptop, app)
    patients = laptop.locator(".widget-select select").first
    patients.select_option(index=0)
    laptop.locator(".lm-TabBar-tab", has_text="Progress").first.click()
    chart = laptop.locator(".widget-image").first
    chart.wait_for(state="visible", timeout=TIMEOUT_MS)
    laptop.wait_for_function(
        "() => { const img = document.querySelector('.widget-image');"
        " return img && img.complete && img.naturalWidth > 300; }",
        timeout=TIMEOUT_MS,
    )
    natural, shown = laptop.evaluate(
        "() => { const img = document.querySelector('.widget-image');"
        " return [img.naturalWidth, img.getBoundingClientRect().width]; }"
    )
    assert shown <= natural + 1, f"the chart is stretched from {natural} to {shown} px"
    laptop.mouse.wheel(0, 1500)
    laptop.wait_for_timeout(400)
    bar = laptop.locator(".lm-TabBar-tab", has_text="Visit").first.bounding_box()
    assert bar is not None and 0 <= bar["y"] <= LAPTOP["height"] - bar["height"], bar
    laptop.screenshot(path=str(artifacts / "app-4-progress-scrolled.png"))
    assert_no_error_on(laptop)
