"""A therapist's server in the hub: fresh copies of the workbook's notebooks, then JupyterHub's
single-user server (JupyterLab) on them.

The notebooks go to ``$WORKBOOK_WORKSPACE`` or ``~/workbook``: outputs and widget state, which
show patients, stay in the therapist's own folder on the server, never in the repository. Visits
live in the clinic store (``$WORKBOOK_DB``), so a refreshed copy loses nothing.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def main() -> None:
    from workbook.clinical.paths import shipped_folder

    workspace = Path(os.environ.get("WORKBOOK_WORKSPACE") or Path.home() / "workbook")
    workspace.mkdir(parents=True, exist_ok=True)
    for notebook in sorted(shipped_folder("notebooks").glob("*.ipynb")):
        shutil.copyfile(notebook, workspace / notebook.name)
    command = [
        sys.executable,
        "-m",
        "jupyterhub.singleuser",
        f"--ServerApp.root_dir={workspace}",
        *sys.argv[1:],
    ]
    os.execv(sys.executable, command)


if __name__ == "__main__":
    main()
