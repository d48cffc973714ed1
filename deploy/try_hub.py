"""``make hub``: the practice's JupyterHub on http://127.0.0.1:8000 for a try on this machine.

The clinic store is ``$WORKBOOK_DB`` when set; otherwise a throw-away PostgreSQL cluster (from
Debian's postgresql, as the tests use) holding one empty clinic database, removed when the hub
stops. With no PostgreSQL server installed it falls back to an SQLite file in the hub's state
folder and says so. The hub's own state goes to ``.venv/hub`` (outside git). Ctrl-C stops it all.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))


@contextlib.contextmanager
def clinic_store(state: Path) -> Iterator[tuple[str, str]]:
    """The store's URL and a sentence saying what it is."""
    if os.environ.get("WORKBOOK_DB"):
        yield os.environ["WORKBOOK_DB"], "the store in $WORKBOOK_DB"
        return
    from tests.postgres import find_bin_dir, throwaway_cluster

    try:
        find_bin_dir()
    except RuntimeError:
        path = state / "try-clinic.sqlite"
        yield f"sqlite:///{path}", f"an SQLite file ({path}): no PostgreSQL server installed"
        return
    with throwaway_cluster() as server:
        yield (
            server.new_database("workbook_clinic"),
            "a throw-away PostgreSQL cluster, deleted when the hub stops",
        )


def main() -> int:
    state = Path(os.environ.get("WORKBOOK_HUB_STATE", REPO / ".venv" / "hub"))
    state.mkdir(parents=True, exist_ok=True)
    admin = os.environ.get("WORKBOOK_HUB_ADMINS", "admin").split(",")[0].strip()
    port = os.environ.get("WORKBOOK_HUB_PORT", "8000")
    with clinic_store(state) as (url, what):
        env = {
            **os.environ,
            "WORKBOOK_DB": url,
            "WORKBOOK_HUB_STATE": str(state),
            "WORKBOOK_HUB_ADMINS": os.environ.get("WORKBOOK_HUB_ADMINS", admin),
            "WORKBOOK_HUB_PORT": port,
        }
        print(
            f"\nJupyterHub for the practice: http://127.0.0.1:{port}/hub/signup\n"
            f"  clinic store: {what}\n"
            f"  1. Sign up as '{admin}' (the admin; at least 10 characters, not a common\n"
            f"     password): approved at once. Log in at http://127.0.0.1:{port}/hub/login\n"
            "  2. Each therapist signs up; the admin approves them at "
            f"http://127.0.0.1:{port}/hub/authorize\n"
            "  3. A therapist logs in and lands on the visit notebook, on the shared store.\n"
            "  Ctrl-C stops the hub, the therapists' servers and the throw-away store.\n",
            flush=True,
        )
        hub = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(HERE / "jupyterhub_config.py")],
            env=env,
            cwd=state,
        )
        try:
            return hub.wait()
        except KeyboardInterrupt:
            hub.terminate()
            return hub.wait(timeout=30)


if __name__ == "__main__":
    raise SystemExit(main())
