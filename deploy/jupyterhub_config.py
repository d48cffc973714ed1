"""JupyterHub for a practice: each therapist logs in and gets their own workbook server.

Every therapist's server opens the visit notebook on ONE clinic store, a PostgreSQL database
whose URL comes from the environment (``WORKBOOK_DB``) and never from this file or the
repository. Inside the hub, the logged-in name (``JUPYTERHUB_USER``) is the therapist the store
records when a visit is logged without one.

Settings, all from the environment (see docs/deploy.md):

=========================== ============================================= ===================
variable                    what                                          default
=========================== ============================================= ===================
WORKBOOK_DB                 the clinic store's URL (postgresql+psycopg://) required
WORKBOOK_HUB_ADMINS         comma-separated hub admins (sign up first)     ``admin``
WORKBOOK_HUB_STATE          folder for the hub's own database and secret  ``/srv/workbook-hub``
WORKBOOK_HUB_IP             address the hub is served on                  ``127.0.0.1``
WORKBOOK_HUB_PORT           its port                                      ``8000``
WORKBOOK_HUB_API_PORT       the hub's internal API port                   ``8081``
WORKBOOK_HUB_PROXY_API_PORT the proxy's API port                          ``8001``
WORKBOOK_HUB_PROXY          configurable-http-proxy executable            ``.venv/node`` / PATH
WORKBOOK_HUB_SPAWNER        ``simple`` (one system user: a try or a test), ``simple``
                            ``local`` (a system user per therapist),
                            ``systemd`` (The Littlest JupyterHub style)
WORKBOOK_HUB_AUTH           ``native`` (sign-up + admin approval),        ``native``
                            ``ldap`` or ``oauth`` (an organisation's login)
=========================== ============================================= ===================

Run it with ``jupyterhub -f deploy/jupyterhub_config.py`` (``make hub`` does so for a try).
"""

# ruff: noqa: F821  (``c`` is the configuration object JupyterHub puts in this file's namespace)

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

env = os.environ.get


def _required(name: str) -> str:
    value = env(name)
    if not value:
        raise SystemExit(
            f"jupyterhub_config: set {name} (the clinic store's database URL, such as "
            "postgresql+psycopg://workbook@db.clinic.lan/clinic); it never goes in the repository"
        )
    return value


STORE_URL = _required("WORKBOOK_DB")
STATE = Path(env("WORKBOOK_HUB_STATE", "/srv/workbook-hub"))
STATE.mkdir(parents=True, exist_ok=True)
IP = env("WORKBOOK_HUB_IP", "127.0.0.1")
ADMINS = {name.strip() for name in env("WORKBOOK_HUB_ADMINS", "admin").split(",") if name.strip()}

# -- the hub and its proxy ----------------------------------------------------------------------
c.JupyterHub.bind_url = f"http://{IP}:{env('WORKBOOK_HUB_PORT', '8000')}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env("WORKBOOK_HUB_API_PORT", "8081"))
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"  # the hub's own state only
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env('WORKBOOK_HUB_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
_proxy = env("WORKBOOK_HUB_PROXY") or next(
    (
        str(p)
        for p in (REPO / ".venv/node/node_modules/.bin/configurable-http-proxy",)
        if p.exists()
    ),
    shutil.which("configurable-http-proxy") or "configurable-http-proxy",
)
c.ConfigurableHTTPProxy.command = [_proxy]
# Therapists' servers stop after an idle hour would need jupyterhub-idle-culler; a practice's
# servers are few, so they simply run until the hub stops or the therapist logs out.
c.JupyterHub.shutdown_on_logout = True

# -- who may log in -----------------------------------------------------------------------------
AUTH = env("WORKBOOK_HUB_AUTH", "native")
c.Authenticator.admin_users = ADMINS
if AUTH == "native":
    # A small clinic: therapists sign up at /hub/signup, an admin approves them at
    # /hub/authorize. Admins listed above are approved when they sign up.
    c.JupyterHub.authenticator_class = "nativeauthenticator.NativeAuthenticator"
    c.NativeAuthenticator.enable_signup = True
    c.NativeAuthenticator.open_signup = False  # every new account waits for an admin
    c.NativeAuthenticator.minimum_password_length = 10
    c.NativeAuthenticator.check_common_password = True  # refuses the 10,000 commonest
    c.NativeAuthenticator.allowed_failed_logins = 5  # then locked out ...
    c.NativeAuthenticator.seconds_before_next_try = 600  # ... for ten minutes
    c.Authenticator.allow_all = True  # every *approved* account; approval is the gate
elif AUTH == "ldap":
    # An organisation's directory (pip install jupyterhub-ldapauthenticator). Who may log in
    # is a directory group; admins stay listed in WORKBOOK_HUB_ADMINS.
    c.JupyterHub.authenticator_class = "ldapauthenticator.LDAPAuthenticator"
    c.LDAPAuthenticator.server_address = _required("WORKBOOK_LDAP_SERVER")
    c.LDAPAuthenticator.use_ssl = True
    c.LDAPAuthenticator.bind_dn_template = [_required("WORKBOOK_LDAP_BIND_DN_TEMPLATE")]
    c.LDAPAuthenticator.allowed_groups = [_required("WORKBOOK_LDAP_GROUP")]
elif AUTH == "oauth":
    # Single sign-on with the organisation's identity provider (pip install oauthenticator):
    # Azure AD / Entra ID, Google Workspace, GitLab, Keycloak ... through GenericOAuthenticator.
    # The client secret comes from the environment (OAUTH_CLIENT_SECRET), never from a file here.
    c.JupyterHub.authenticator_class = "oauthenticator.generic.GenericOAuthenticator"
    c.GenericOAuthenticator.client_id = _required("OAUTH_CLIENT_ID")
    c.GenericOAuthenticator.oauth_callback_url = _required("OAUTH_CALLBACK_URL")
    c.GenericOAuthenticator.authorize_url = _required("OAUTH2_AUTHORIZE_URL")
    c.GenericOAuthenticator.token_url = _required("OAUTH2_TOKEN_URL")
    c.GenericOAuthenticator.userdata_url = _required("OAUTH2_USERDATA_URL")
    c.GenericOAuthenticator.username_claim = env("OAUTH2_USERNAME_CLAIM", "preferred_username")
    c.GenericOAuthenticator.allowed_groups = {_required("WORKBOOK_OAUTH_GROUP")}
    c.GenericOAuthenticator.manage_groups = True
else:
    raise SystemExit(f"jupyterhub_config: WORKBOOK_HUB_AUTH={AUTH!r}; use native, ldap or oauth")

# -- each therapist's own server ----------------------------------------------------------------
SPAWNER = env("WORKBOOK_HUB_SPAWNER", "simple")
if SPAWNER == "simple":
    # Every therapist's server runs as the hub's own system user: right for a try on one
    # machine or a test, NOT for a clinic (no isolation between therapists).
    c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
    c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "home" / "{username}")
elif SPAWNER == "local":
    c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"  # system users
elif SPAWNER == "systemd":
    # The Littlest JupyterHub style: one systemd unit (and system user) per therapist
    # (pip install jupyterhub-systemdspawner).
    c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
    c.SystemdSpawner.dynamic_users = True
    c.SystemdSpawner.mem_limit = "2G"
    c.SystemdSpawner.cpu_limit = 1.0
else:
    raise SystemExit(f"jupyterhub_config: WORKBOOK_HUB_SPAWNER={SPAWNER!r}")

# The server copies the workbook's notebooks into the therapist's folder and opens the visit.
c.Spawner.cmd = [sys.executable, str(HERE / "singleuser.py")]
c.Spawner.default_url = "/lab/tree/visit.ipynb"
c.Spawner.ip = "127.0.0.1"
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 90


def workbook_role(spawner) -> str:
    """WORKBOOK_ROLE of a therapist's server: 'admin' for hub admins (they alone may erase a
    patient, workbook.records.identity.is_admin), else 'therapist'. Read when the server starts,
    so a therapist made admin gets the role at their next start."""
    return "admin" if getattr(spawner.user, "admin", False) else "therapist"


c.Spawner.environment = {
    "WORKBOOK_DB": STORE_URL,  # ONE clinic store for every therapist
    "MPLBACKEND": "Agg",
    "WORKBOOK_ROLE": workbook_role,  # JupyterHub calls it with the spawner
}
if hasattr(os, "geteuid") and os.geteuid() == 0 and SPAWNER == "simple":
    c.Spawner.args = ["--allow-root"]  # a try as root (containers): servers run as root too
