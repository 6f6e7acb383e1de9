"""Keyward's API through a client generated from its OpenAPI document (openapi-python-client),
as an integrator would use it: tests/conformance.rs generates the client into a temporary
folder (importable as `keyward_client`) and runs this against a live Keyward.

Usage: python client_walk.py BASE_URL TOKEN
"""

import datetime
import sys
from http import HTTPStatus

from keyward_client import AuthenticatedClient
from keyward_client.api.credentials import (
    create_credential,
    delete_credential,
    get_credential,
    list_credentials,
    update_credential,
    whoami,
)
from keyward_client.api.machines import create_machine, delete_machine, list_machines, update_machine
from keyward_client.api.operators import list_operators
from keyward_client.api.verification import verify_key
from keyward_client.models import (
    CreatedCredential,
    ErrorBody,
    ErrorCode,
    NewCredentialRequest,
    NewMachineRequest,
    OwnerKind,
    UpdateCredentialRequest,
    UpdateMachineRequest,
    VerifyCode,
    VerifyRequest,
)

base, token = sys.argv[1], sys.argv[2]
api = AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True)


def expect(response, status):
    assert response.status_code == status, (response.status_code, response.content)
    return response.parsed


me = expect(whoami.sync_detailed(client=api), HTTPStatus.OK)
assert me.owner.kind == OwnerKind.OPERATOR and me.owner.active, me

# Create, with an expiry: the secret comes once, typed.
expires = datetime.datetime(2030, 1, 31, tzinfo=datetime.timezone.utc)
made = expect(
    create_credential.sync_detailed(
        client=api, body=NewCredentialRequest(label="From Python", expires_at=expires)
    ),
    HTTPStatus.CREATED,
)
assert isinstance(made, CreatedCredential)
assert made.credential.expires_at == expires, made.credential.expires_at
key_id, new_token = made.id, made.token

# List a page at a time until `next` is null; the new key is there once.
seen, after = [], None
while True:
    page = expect(
        list_credentials.sync_detailed(client=api, limit=1, **({"after": after} if after else {})),
        HTTPStatus.OK,
    )
    seen += [c.id for c in page.credentials]
    if not page.next_:
        break
    after = page.next_
assert seen.count(key_id) == 1 and len(seen) == page.total, (seen, page.total)


def verdict(key):
    return expect(verify_key.sync_detailed(client=api, body=VerifyRequest(key=key)), HTTPStatus.OK)


assert verdict(new_token).valid

# Deactivate: verification says so at once; reactivate: the same secret works again.
changed = expect(
    update_credential.sync_detailed(
        key_id, client=api, body=UpdateCredentialRequest(label="Renamed in Python", active=False)
    ),
    HTTPStatus.OK,
)
assert (changed.label, changed.active) == ("Renamed in Python", False), changed
refused = verdict(new_token)
assert not refused.valid and refused.code == VerifyCode.INVALID_CREDENTIALS, refused
expect(
    update_credential.sync_detailed(key_id, client=api, body=UpdateCredentialRequest(active=True)),
    HTTPStatus.OK,
)
assert verdict(new_token).valid

# Machines: create, list, rename, delete.
machine = expect(
    create_machine.sync_detailed(client=api, body=NewMachineRequest(name="Python runner")),
    HTTPStatus.CREATED,
)
listed = expect(list_machines.sync_detailed(client=api, limit=1000), HTTPStatus.OK)
assert machine.id in [m.id for m in listed.machines], listed
renamed = expect(
    update_machine.sync_detailed(
        machine.id, client=api, body=UpdateMachineRequest(description="made by the client walk")
    ),
    HTTPStatus.OK,
)
assert (renamed.name, renamed.description) == ("Python runner", "made by the client walk")
expect(delete_machine.sync_detailed(machine.id, client=api), HTTPStatus.NO_CONTENT)

people = expect(list_operators.sync_detailed(client=api), HTTPStatus.OK)
assert any(p.administrator and p.id == me.owner.id for p in people.operators), people

# A typed error, naming the field at fault.
bad = expect(
    update_credential.sync_detailed(
        key_id, client=api, body=UpdateCredentialRequest(label="   ")
    ),
    HTTPStatus.BAD_REQUEST,
)
assert isinstance(bad, ErrorBody) and bad.error == ErrorCode.BAD_REQUEST, bad

# Delete: gone for the API and for verification.
expect(delete_credential.sync_detailed(key_id, client=api), HTTPStatus.NO_CONTENT)
gone = expect(get_credential.sync_detailed(key_id, client=api), HTTPStatus.NOT_FOUND)
assert gone.error == ErrorCode.NOT_FOUND, gone
assert not verdict(new_token).valid
print("client walk: ok", key_id)
