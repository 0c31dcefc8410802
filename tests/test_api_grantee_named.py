"""A subject's consents and authorisations name, in the API as on the pages, the
organisation they are given to — its code, which the request took, and its name — where the
API answered only an internal id the subject had no way to turn into an organisation
(review r4 finding 8; Art. 24: the subject knows who uses its information)."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from tests.collection_helpers import catalog_loaded, collection_world  # noqa: F401
from tests.factories import World, auth_headers
from tests.page_helpers import HTML, log_in
from tests.test_consent import consent_world, give_consent  # noqa: F401


def test_the_api_and_the_page_name_the_same_grantee(
    consent_world: World, client: TestClient
) -> None:
    world = consent_world
    bank = world.organisations["bank"]
    given = give_consent(client, bank.code, ["contract_performance"])
    assert given["grantee"] == {"code": bank.code, "name": bank.name}
    authorised = client.post(
        "/api/v1/me/authorisations",
        json={
            "grantee": bank.code,
            "record_types": ["contract_performance"],
            "purpose": "贷款审批",
            "valid_until": (world.clock.today() + dt.timedelta(days=30)).isoformat(),
            "evidence": "本人授权福州测试银行查询本人的合同履约信息，用于贷款审批。",
        },
        headers=auth_headers(client, "citizen"),
    )
    assert authorised.status_code == 201, authorised.text

    headers = auth_headers(client, "citizen")
    for route in ("/api/v1/me/consents", "/api/v1/me/authorisations"):
        response = client.get(route, headers=headers)
        assert response.status_code == 200, response.text
        (item,) = response.json()["items"]
        assert item["grantee_organisation_id"] == bank.id  # kept for those who read it
        assert item["grantee"] == {"code": bank.code, "name": bank.name}, route

    log_in(client, "citizen")
    for page in ("/me/consents", "/me/authorisations"):
        assert bank.name in client.get(page, headers=HTML).text, page


def test_the_openapi_describes_the_grantee(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    models = schema["components"]["schemas"]
    assert set(models["GranteeOut"]["properties"]) == {"code", "name"}
    for model in ("ConsentOut", "AuthorisationOut"):
        assert models[model]["properties"]["grantee"]["$ref"].endswith("/GranteeOut"), model
    for path in ("/api/v1/me/consents", "/api/v1/me/authorisations"):
        ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert ok["schema"]["$ref"].split("/")[-1] in {"ConsentsOut", "AuthorisationsOut"}
