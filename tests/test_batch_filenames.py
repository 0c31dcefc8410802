"""A batch's file name is kept and shown with a citizen ID masked (review r4 of session 19,
finding 2): clerks name files after their content ("张三350102…处罚决定.xlsx"), and the name
was the one place a clear ID number sat in the database, shown to the source and the credit
authority on the pages and the API. Masked where the batch is stored, whatever path the
file came by (decision 0021, session 19 addendum)."""

from __future__ import annotations

# ruff: noqa: F811
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import write_csv, zh
from tests.factories import World, auth_headers
from tests.page_helpers import HTML, log_in
from tests.test_cli_import import Cli, cli, row, template  # noqa: F401 - fixtures
from tests.test_pages_collection import SAMPLE_CSV, upload, world  # noqa: F401 - fixture
from xinyong.collection.models import Batch

CITIZEN_ID = "350102199403157723"
MASKED = "350102********7723"
NAMED = f"张三{CITIZEN_ID}处罚决定.csv"


def test_an_uploaded_file_name_is_kept_and_shown_masked(
    client: TestClient, db: Session, world: World
) -> None:
    log_in(client, "reporter")
    report = upload(client, SAMPLE_CSV, NAMED)
    assert report.status_code == 200, report.text

    batch = db.scalars(select(Batch)).one()
    assert batch.filename == f"张三{MASKED}处罚决定.csv"
    assert f"张三{MASKED}处罚决定.csv" in report.text
    shown = [report.text, client.get("/batches", headers=HTML).text]
    client.cookies.clear()
    log_in(client, "authority")
    shown += [
        client.get("/batches", headers=HTML).text,
        client.get(f"/batches/{batch.id}", headers=HTML).text,
        client.get("/api/v1/batches", headers=auth_headers(client, "authority")).text,
    ]
    for text in shown:
        assert CITIZEN_ID not in text
    assert MASKED in shown[-1]


def test_an_imported_file_name_is_kept_masked(cli: Cli) -> None:
    path = cli.files / NAMED
    write_csv(path, [zh(row())])

    result = cli.import_(path)

    assert result.exit_code == 0, result.output
    with cli.session() as session:
        assert session.scalars(select(Batch.filename)).one() == f"张三{MASKED}处罚决定.csv"
