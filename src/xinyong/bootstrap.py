"""What ``xinyong init`` loads into a fresh database: the default (Fuzhou) rule pack."""

from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong.clock import Clock


def load_rule_pack(session: Session, clock: Clock) -> None:
    """Load the Fuzhou rule pack; a no-op where it is loaded already."""
    # The catalog, calendar and measure lists register their loaders here as they land.
    for loader in _LOADERS:
        loader(session, clock)


_LOADERS: list = []  # type: ignore[type-arg]
