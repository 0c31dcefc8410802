"""Set-up of the industry statistics' journeys in the live server's database."""

from __future__ import annotations

from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.institutions import releases


def released(live_server: object) -> str:
    """The months the daily job would have released by the server's day (the month before
    it, the first time), and the latest release's month (decision 0055)."""
    engine = live_server.engine  # type: ignore[attr-defined]
    clock = live_server.clock  # type: ignore[attr-defined]
    with unit_of_work(make_session_factory(engine)) as session:
        while releases.release_next_due(session, clock, SYSTEM_ACTOR, k=5):
            pass
        latest = releases.latest(session)
        assert latest is not None
        return latest.period
