"""Schemathesis hooks for Keyward's conformance run (tests/conformance.rs).

Every call is made with a live key of the administrator. The run may revoke the very key it
calls with (DELETE or PATCH {"active": false} on its own id is part of the API), so the key is
checked once a second and a new one registered, with the administrator's email and password,
when it no longer works. `/api/v1/register` itself takes that email and password.
"""

import base64
import json
import os
import urllib.error
import urllib.request

import schemathesis

BASE = os.environ["KEYWARD_URL"]
EMAIL = os.environ["KEYWARD_EMAIL"]
PASSWORD = os.environ["KEYWARD_PASSWORD"]


def _basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# Every scope of Keyward's own API, so the run reaches every call (a new key has none).
SCOPES = [
    "keyward:credentials:read", "keyward:credentials:write", "keyward:machines:read",
    "keyward:machines:write", "keyward:operators:read", "keyward:verify",
]


def _status(path, authorization, method="GET", body=None):
    headers = {"Authorization": authorization}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(BASE + path, method=method, headers=headers, data=data)
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@schemathesis.auth(refresh_interval=1).apply_to(path_regex="^(?!/api/v1/register$)")
class LiveKey:
    token = None

    def get(self, case, ctx):
        if LiveKey.token is None or _status("/api/v1/whoami", "Bearer " + LiveKey.token)[0] != 200:
            status, body = _status(
                "/api/v1/register", _basic(EMAIL, PASSWORD), method="POST", body={"scopes": SCOPES}
            )
            assert status == 201, (status, body)
            LiveKey.token = json.loads(body)["token"]
        return LiveKey.token

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = "Bearer " + data


@schemathesis.auth().apply_to(path="/api/v1/register")
class OperatorPassword:
    def get(self, case, ctx):
        return _basic(EMAIL, PASSWORD)

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = data
