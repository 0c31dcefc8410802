"""An evidence file is checked by its content (decision 0044): a signed authorisation's file
(Art. 13 ¶3) is a PDF, PNG or JPEG by its first bytes, and what it declares (name,
Content-Type) is what it is; an empty file is refused."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.disclosure_helpers import CONTRACT, error_of
from tests.factories import World, auth_headers
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong import evidence_files
from xinyong.accounts import service as accounts
from xinyong.clock import Clock
from xinyong.disclosure import authorisations
from xinyong.disclosure.models import Authorisation
from xinyong.errors import InvalidInput

PDF = b"%PDF-1.7\n1 0 obj signed authorisation"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF"
DOCX = b"PK\x03\x04 a word document"


@pytest.mark.parametrize(
    ("content", "filename", "media_type", "kind"),
    [
        (PDF, "signed.pdf", "application/pdf", "pdf"),
        (PNG, "scan.PNG", "image/png", "png"),
        (JPEG, "photo.jpg", "image/jpeg", "jpeg"),
        (JPEG, "photo.jpeg", "application/octet-stream", "jpeg"),
        (PDF, None, None, "pdf"),
    ],
)
def test_an_allowed_file_is_its_kind(
    content: bytes, filename: str | None, media_type: str | None, kind: str
) -> None:
    assert evidence_files.check(content, field="f", filename=filename, media_type=media_type) == (
        kind
    )


@pytest.mark.parametrize(
    ("content", "filename", "media_type", "code"),
    [
        (b"", "signed.pdf", "application/pdf", "evidence_empty"),
        (PNG, "signed.pdf", "application/pdf", "evidence_type_mismatch"),
        (PDF, "scan.png", None, "evidence_type_mismatch"),
        (PDF, "signed.pdf", "image/jpeg", "evidence_type_mismatch"),
        (DOCX, "signed.pdf", "application/pdf", "evidence_type_unsupported"),
        (b"just text", None, None, "evidence_type_unsupported"),
        (PDF, "signed.docx", None, "evidence_type_unsupported"),
        (PDF, "signed.pdf", "image/gif", "evidence_type_unsupported"),
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused(
    content: bytes, filename: str | None, media_type: str | None, code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        evidence_files.check(
            content, field="evidence_file", filename=filename, media_type=media_type
        )
    assert (refused.value.code, refused.value.field, refused.value.article) == (
        code,
        "evidence_file",
        "Art. 13 ¶3",
    )


@given(st.binary(max_size=64))
def test_any_bytes_are_a_kind_or_refused(content: bytes) -> None:
    """Never anything but a kind whose signature the bytes start with, or a refusal."""
    if evidence_files.kind_of(content) is None:
        with pytest.raises(InvalidInput) as refused:
            evidence_files.check(content, field="f")
        assert refused.value.code in {"evidence_empty", "evidence_type_unsupported"}
    else:
        kind = evidence_files.check(content, field="f")
        assert content.startswith(evidence_files.SIGNATURES[kind])


def _grant(db: Session, clock: Clock, world: World, evidence: str) -> Authorisation:
    return authorisations.grant(
        db,
        clock,
        accounts.actor_for_user(world.users["citizen"]),
        grantee=world.organisations["bank"],
        record_type_codes=[CONTRACT],
        purpose="信用卡审批",
        valid_until=dt.date(2027, 1, 31),
        evidence_kind="upload",
        evidence=evidence,
    )


def test_the_service_reads_an_uploads_content(world: World, db: Session, clock: Clock) -> None:
    for evidence, code in (
        ("not base64!", "evidence_not_base64"),
        (base64.b64encode(DOCX).decode(), "evidence_type_unsupported"),
    ):
        with pytest.raises(InvalidInput) as refused:
            _grant(db, clock, world, evidence)
        assert (refused.value.code, refused.value.field) == (code, "evidence")
    assert _grant(db, clock, world, base64.b64encode(PNG).decode()).evidence_kind == "upload"
    # A text signed in the page is a text, not a file.
    signed = authorisations.grant(
        db,
        clock,
        accounts.actor_for_user(world.users["citizen"]),
        grantee=world.organisations["bank"],
        record_type_codes=[CONTRACT],
        purpose="住房贷款审批",
        valid_until=dt.date(2027, 1, 31),
        evidence_kind="signed_in_page",
        evidence="书面授权……签署人：王某某",
    )
    assert signed.evidence_kind == "signed_in_page"


def test_the_api_refuses_an_upload_that_is_no_document(client: TestClient, world: World) -> None:
    body = {
        "grantee": world.organisations["bank"].code,
        "record_types": [CONTRACT],
        "purpose": "信用卡审批",
        "valid_until": "2027-01-31",
        "evidence_kind": "upload",
        "evidence": base64.b64encode(b"<html>signed</html>").decode(),
    }
    headers = auth_headers(client, "citizen")
    refused = client.post("/api/v1/me/authorisations", json=body, headers=headers)
    assert error_of(refused) == (422, "evidence_type_unsupported", "Art. 13 ¶3")
    assert refused.json()["error"]["field"] == "evidence"
    granted = client.post(
        "/api/v1/me/authorisations",
        json={**body, "evidence": base64.b64encode(PDF).decode()},
        headers=headers,
    )
    assert granted.status_code == 201, granted.text


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (("signed.pdf", PNG, "application/pdf"), "evidence_type_mismatch"),
        (("signed.pdf", b"", "application/pdf"), "evidence_empty"),
        (("signed.exe", b"MZ\x90\x00", "application/x-msdownload"), "evidence_type_unsupported"),
    ],
)
def test_the_page_refuses_a_file_beside_its_input(
    client: TestClient, world: World, db: Session, upload: tuple[str, bytes, str], code: str
) -> None:
    log_in(client, "citizen")
    response = client.post(
        "/me/authorisations",
        data={
            "grantee": world.organisations["bank"].code,
            "record_types": [CONTRACT],
            "purpose": "信用卡审批",
            "valid_until": "2027-01-31",
            "evidence_kind": "upload",
            "csrf_token": csrf_from(client.get("/me/authorisations", headers=HTML).text),
        },
        files={"evidence_file": upload},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 422, response.text[:500]
    assert f'data-code="{code}"' in response.text
    assert 'id="evidence_file"' in response.text
    assert db.scalars(select(Authorisation)).first() is None
