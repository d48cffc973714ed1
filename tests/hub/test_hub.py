"""Three therapists in the practice's JupyterHub each save a visit at the same time; the store
names each; a therapist who is not a hub admin cannot erase a patient, and a correction made on
a stale version is refused.

Everything goes through the hub as a browser would: sign-up and login forms of the real
NativeAuthenticator, the admin's approval page, the hub's REST API to start each therapist's
server, and the Jupyter server's REST API and kernel websocket to run code in a real kernel of
that server. The kernel logs the visit without naming a therapist: the store takes the name from
the server's ``JUPYTERHUB_USER``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import websocket

from workbook.clinical.profile import PatientProfile
from workbook.records.store import open_store

pytestmark = [pytest.mark.hub, pytest.mark.postgresql]

ADMIN = "admin"
THERAPISTS = ("kim", "jo", "ana")
PASSWORD = "Hip-mobility-{name}-2024!"


def _xsrf(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10)
    page.raise_for_status()
    found = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
    assert found, f"no _xsrf field in {url}"
    return found.group(1)


def sign_up(hub, name: str) -> str:
    session = requests.Session()
    password = PASSWORD.format(name=name)
    form = {
        "_xsrf": _xsrf(session, f"{hub.url}/hub/signup"),
        "username": name,
        "signup_password": password,
        "signup_password_confirmation": password,
    }
    page = session.post(f"{hub.url}/hub/signup", data=form, timeout=10)
    page.raise_for_status()
    return page.text


def log_in(hub, name: str, password: str | None = None) -> requests.Session:
    session = requests.Session()
    form = {
        "_xsrf": _xsrf(session, f"{hub.url}/hub/login"),
        "username": name,
        "password": password or PASSWORD.format(name=name),
    }
    session.post(f"{hub.url}/hub/login", data=form, timeout=10)
    return session


def logged_in(hub, session: requests.Session) -> bool:
    user = session.get(f"{hub.url}/hub/api/user", timeout=10)
    return user.status_code == 200


def api_token(hub, session: requests.Session, name: str) -> str:
    """A token for the therapist's own API calls, made from their logged-in session."""
    reply = session.post(
        f"{hub.url}/hub/api/users/{name}/tokens",
        json={"note": "hub test", "expires_in": 600},
        headers={"X-XSRFToken": session.cookies.get("_xsrf", path="/hub/") or ""},
        timeout=10,
    )
    reply.raise_for_status()
    return reply.json()["token"]


def start_server(hub, name: str, token: str) -> str:
    headers = {"Authorization": f"token {token}"}
    requests.post(f"{hub.url}/hub/api/users/{name}/server", headers=headers, timeout=30)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        user = requests.get(f"{hub.url}/hub/api/users/{name}", headers=headers, timeout=10).json()
        server = user.get("servers", {}).get("", {})
        if server.get("ready"):
            return f"{hub.url}{server['url'].rstrip('/')}"
        time.sleep(0.3)
    raise AssertionError(f"{name}'s server did not start:\n{hub.log()}")


def run_in_kernel(server_url: str, token: str, code: str) -> str:
    """Run ``code`` in a new kernel of the server; return what it printed."""
    headers = {"Authorization": f"token {token}"}
    kernel = requests.post(f"{server_url}/api/kernels", headers=headers, json={}, timeout=30)
    kernel.raise_for_status()
    kernel_id = kernel.json()["id"]
    ws_url = server_url.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels"
    ws = websocket.create_connection(ws_url, header=[f"Authorization: token {token}"], timeout=60)
    try:
        msg_id = uuid.uuid4().hex
        ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "msg_type": "execute_request",
                        "username": "test",
                        "session": uuid.uuid4().hex,
                        "version": "5.3",
                        "date": dt.datetime.now(dt.UTC).isoformat(),
                    },
                    "parent_header": {},
                    "metadata": {},
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": False,
                        "user_expressions": {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        printed, errors = [], []
        while True:
            message = json.loads(ws.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["msg_type"]
            if kind == "stream":
                printed.append(message["content"]["text"])
            elif kind == "error":
                errors.append("\n".join(message["content"]["traceback"]))
            elif kind == "execute_reply":
                break
        assert not errors, errors[0]
        return "".join(printed)
    finally:
        ws.close()
        requests.delete(f"{server_url}/api/kernels/{kernel_id}", headers=headers, timeout=30)


LOG_A_VISIT = """
import datetime as dt, os
from workbook.records.store import open_store
with open_store() as store:  # WORKBOOK_DB: the clinic store the hub passes to every server
    visit = store.log_visit({patient!r}, dt.date.today(), {{("hip_flexion", "left"): {degrees}}},
                            pain=4)
print("VISIT", visit, os.environ["JUPYTERHUB_USER"])
"""


CORRECT_AND_ERASE = """
import os
from workbook.errors import WorkbookError
from workbook.records.store import open_store
with open_store() as store:
    store.amend_visit({visit!r}, reason="typo", expected_version=1, pain=3)
    for attempt in ("stale correction", "erasure"):
        try:
            if attempt == "erasure":
                store.remove_patient({patient!r}, reason="asked to be forgotten")
            else:
                store.amend_visit({visit!r}, reason="mine", expected_version=1, pain=5)
            print("DONE", attempt)
        except WorkbookError as exc:
            print("REFUSED", attempt, "|", exc)
print("ROLE", os.environ.get("WORKBOOK_ROLE"))
"""


def test_three_therapists_sign_up_are_approved_and_each_visit_names_its_therapist(hub) -> None:
    profile = PatientProfile(age=70, activity="active", floor_transfer=True, kneeling="comfortable")
    with open_store(hub.store_url) as store:
        patient = store.add_patient("Ada Example", 1955, profile)

    # The admin (listed in WORKBOOK_HUB_ADMINS) signs up and is approved at once; therapists
    # sign up and wait for the admin.
    assert "The signup was successful" in sign_up(hub, ADMIN)
    for name in THERAPISTS:
        page = sign_up(hub, name)
        assert "sent to the admin" in page
        assert not logged_in(hub, log_in(hub, name)), f"{name} logged in before approval"
    # Password rules: a short or common password is refused.
    assert "at least 10 characters" in sign_up_with(hub, "weakling", "Sh0rt!")
    assert "not too common" in sign_up_with(hub, "commoner", "1234567890")

    admin = log_in(hub, ADMIN)
    assert logged_in(hub, admin)
    for name in THERAPISTS:
        admin.get(f"{hub.url}/hub/authorize/{name}", timeout=10).raise_for_status()

    sessions = {name: log_in(hub, name) for name in THERAPISTS}
    assert all(logged_in(hub, s) for s in sessions.values())
    tokens = {name: api_token(hub, sessions[name], name) for name in THERAPISTS}

    servers: dict[str, str] = {}

    def save_visit(name: str) -> tuple[str, str]:
        server = servers[name] = start_server(hub, name, tokens[name])
        out = run_in_kernel(
            server, tokens[name], LOG_A_VISIT.format(patient=patient, degrees=95 + len(name))
        )
        _, visit, user = next(line for line in out.splitlines() if line.startswith("VISIT")).split()
        return visit, user

    with ThreadPoolExecutor(len(THERAPISTS)) as pool:  # all at the same time
        saved = dict(zip(THERAPISTS, pool.map(save_visit, THERAPISTS), strict=True))

    with open_store(hub.store_url) as store:
        visits = store.visits(patient).set_index("visit_id")
        assert len(visits) == len(THERAPISTS)
        for name, (visit, user) in saved.items():
            assert user == name
            assert visits.loc[visit, "therapist"] == name
            assert store.visit_history(visit).loc[0, "changed_by"] == name

    # A therapist (not a hub admin) corrects her visit, is refused a stale correction and an
    # erasure; the patient and every visit stay.
    visit, _ = saved["kim"]
    out = run_in_kernel(
        servers["kim"], tokens["kim"], CORRECT_AND_ERASE.format(visit=visit, patient=patient)
    )
    assert "ROLE therapist" in out, out
    assert "REFUSED stale correction | visit version = 1" in out, out
    assert "now at version 2" in out
    assert "REFUSED erasure | user = 'kim'" in out and "hub admin" in out, out
    with open_store(hub.store_url) as store:
        assert len(store.visits(patient)) == len(THERAPISTS)
        history = store.visit_history(visit)
        assert history["pain_nprs"].tolist() == [4.0, 3.0]
        assert history.loc[1, "changed_by"] == "kim"


def sign_up_with(hub, name: str, password: str) -> str:
    session = requests.Session()
    form = {
        "_xsrf": _xsrf(session, f"{hub.url}/hub/signup"),
        "username": name,
        "signup_password": password,
        "signup_password_confirmation": password,
    }
    return session.post(f"{hub.url}/hub/signup", data=form, timeout=10).text
