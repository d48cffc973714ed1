"""How long the therapist waits for the app: from a page load to a usable visit screen.

``python -m workbook app`` serves the visit notebook with Voilà; every page load starts a fresh
kernel and runs the notebook. This measures, in a real headless Chromium at 1366×768:

1. the launch: from starting the command to the server answering (once);
2. open-to-usable: from ``page.goto`` to the patient list being on screen, median of several
   loads (each a fresh kernel, as after a refresh).

Baseline in the same run: a Voilà page for a notebook with one ipywidgets button (the cost of
Voilà, a kernel and the widget manager with no workbook in it). Target: usable within 4 s.

Usage: ``.venv/bin/python benchmarks/bench_app.py [--loads N]`` (needs Debian's chromium).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from workbook.records.demo import make_demo_store  # noqa: E402
from workbook.ui import launch  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TARGET_USABLE_S = 4.0


def wait_for_url(process: subprocess.Popen) -> str:
    assert process.stdout is not None
    while line := process.stdout.readline():
        if line.startswith("Open the workbook at: "):
            return line.split(": ", 1)[1].strip()
    raise RuntimeError("the app never printed its address")


def wait_until_answers(url: str) -> None:
    port = int(url.split(":")[2].split("/")[0])
    while not launch._answers(port):
        time.sleep(0.05)


def page_loads(url: str, ready_selector: str, loads: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    samples = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        for _ in range(loads):
            start = time.perf_counter()
            page.goto(url, timeout=120_000)
            page.locator(ready_selector).first.wait_for(state="visible", timeout=120_000)
            samples.append(time.perf_counter() - start)
        browser.close()
    return samples


def baseline_notebook(folder: Path) -> Path:
    book = nbformat.v4.new_notebook()
    book.cells = [
        nbformat.v4.new_code_cell("import ipywidgets\nipywidgets.Button(description='ok')")
    ]
    path = folder / "baseline.ipynb"
    nbformat.write(book, path)
    return path


def serve_baseline(folder: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = launch.free_port()
    notebook = baseline_notebook(folder)
    command = [sys.executable, "-m", "voila", notebook.name, f"--port={port}", "--no-browser",
               "--Voila.ip=127.0.0.1", "--token=bench"]  # fmt: skip
    process = subprocess.Popen(command, cwd=folder, env=env, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/?token=bench"
    wait_until_answers(url)
    return process, url


def describe(name: str, samples: list[float]) -> str:
    return (
        f"{name:<28} median {statistics.median(samples):6.2f} s "
        f"(min {min(samples):.2f}, max {max(samples):.2f}, n={len(samples)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = folder / "demo.sqlite"
        make_demo_store(store).close()
        env = {**os.environ, "XDG_DATA_HOME": str(folder / "xdg"), "MPLBACKEND": "Agg"}
        env.pop("WORKBOOK_DB", None)

        start = time.perf_counter()
        command = [sys.executable, "-m", "workbook", "app", "--no-browser", "--store", str(store)]
        app = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True,
                               stderr=subprocess.DEVNULL)  # fmt: skip
        baseline, baseline_url = None, ""
        try:
            url = wait_for_url(app)
            wait_until_answers(url)
            launched = time.perf_counter() - start
            usable = page_loads(url, ".widget-select select", args.loads)
            baseline, baseline_url = serve_baseline(folder, env)
            bare = page_loads(baseline_url, ".widget-button", args.loads)
        finally:
            app.terminate()
            app.wait()
            if baseline is not None:
                baseline.terminate()
                baseline.wait()
    print(f"launch to answering server   {launched:6.2f} s")
    print(describe("app open-to-usable", usable))
    print(describe("baseline: Voila + 1 button", bare))
    ratio = statistics.median(usable) / statistics.median(bare)
    verdict = "meets" if statistics.median(usable) <= TARGET_USABLE_S else "MISSES"
    print(f"app / baseline: {ratio:.2f}x; target usable <= {TARGET_USABLE_S:.0f} s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
