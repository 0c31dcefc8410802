"""What the app holds for the lifetime of the process: settings, clock, engine, signer."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from xinyong.accounts.service import TokenSigner
from xinyong.clock import Clock
from xinyong.config import Settings
from xinyong.ratelimit import SharedAttemptLimiter


@dataclass
class AppContext:
    settings: Settings
    clock: Clock
    engine: Engine
    session_factory: sessionmaker[Session]
    signer: TokenSigner
    # Logins and activations, counted in the database (``ratelimit``).
    login_limiter: SharedAttemptLimiter
    extras: dict[str, object] = field(default_factory=dict)
