"""Who is at the keyboard: the logged-in therapist inside a JupyterHub, and whether they may erase.

Inside a hub (``$JUPYTERHUB_USER`` set by the hub's spawner) the therapist is the hub user and
every write records them without typing; ``deploy/jupyterhub_config.py`` sets
``WORKBOOK_ROLE=admin`` in the servers of hub admins, and only they may erase a patient. Outside
a hub (one clinic computer) nobody is logged in and the person at the computer may do everything,
as before.
"""

from __future__ import annotations

import os

from ..errors import WorkbookError

__all__ = ["ADMIN_ROLE", "current_user", "in_hub", "is_admin", "require_admin"]

#: The value of ``$WORKBOOK_ROLE`` the hub gives its admins' servers.
ADMIN_ROLE = "admin"


def in_hub() -> bool:
    """True inside a JupyterHub single-user server (``$JUPYTERHUB_USER`` is set)."""
    return bool(os.environ.get("JUPYTERHUB_USER", "").strip())


def current_user() -> str | None:
    """The logged-in hub user (``$JUPYTERHUB_USER``), or None outside a hub."""
    user = os.environ.get("JUPYTERHUB_USER", "").strip()
    return user or None


def is_admin() -> bool:
    """Inside a hub: True for hub admins (``$WORKBOOK_ROLE == 'admin'``); outside: True."""
    if not in_hub():
        return True
    return os.environ.get("WORKBOOK_ROLE", "").strip() == ADMIN_ROLE


def require_admin(action: str) -> None:
    """A :class:`WorkbookError` when the logged-in hub user is not an admin."""
    if not is_admin():
        raise WorkbookError(
            "user",
            current_user(),
            f"a hub admin to {action}; ask the clinic's administrator",
        )
