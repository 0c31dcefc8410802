"""The FastAPI application: API under /api/v1, pages, OpenAPI at /docs."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware.sessions import SessionMiddleware

import xinyong
from xinyong import demo, key_files, keys_of_record
from xinyong.accounts.service import TokenSigner
from xinyong.clock import Clock, SystemClock
from xinyong.config import Settings, StartRefused, get_settings
from xinyong.crypto import FieldCipher, reset_default_cipher
from xinyong.db import migrate
from xinyong.db.engine import make_engine
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.ratelimit import SharedAttemptLimiter
from xinyong.web import api, errors, inputs, openapi, pages
from xinyong.web.context import AppContext
from xinyong.web.security_headers import SecurityHeaders
from xinyong.web.uploads import (
    BATCH_ROUTES,
    MAX_BATCH_REQUEST_BYTES,
    MAX_REQUEST_BYTES,
    SESSION_BATCH_ROUTES,
    BodyLimit,
)

STATIC_DIR = Path(__file__).parent / "static"


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    session_factory: sessionmaker[Session] | None = None,
    attempts_engine: Engine | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    # Every key given checked (a session key under 32 bytes lets anyone sign a token),
    # not only those this app reads: ``config.InvalidSecret`` naming where it was read.
    settings.check_secrets()
    settings.secret("session_key")  # refused (MissingSecrets) before the database is opened
    if engine is None:
        # The app opens the database itself (``uvicorn --factory``, ``xinyong serve``): it
        # does not start on a schema behind this release (every request would be a 500),
        # with keys other than those the database was set up with
        # (``keys_of_record.KeysDoNotMatch``, naming the key), nor, declared production,
        # with the demo's accounts in it (decision 0053). A caller giving its engine opened
        # the database itself, and checked it (``cli._shared.migrated_engine``).
        engine = make_engine(settings.resolved_database_url)
        try:
            if migrate.pending(engine):
                raise StartRefused(
                    "the database is not migrated to this release: run `xinyong init` first"
                )
            # A rotation committed and not yet promoted: its keys are the database's
            # (decision 0054), read below.
            if key_files.promote_pending(settings, engine):
                reset_default_cipher()
            verify_keys(settings, engine, clock or SystemClock())
            with unit_of_work(make_session_factory(engine)) as session:
                demo.refuse_in_production(session, settings)
        except BaseException:
            engine.dispose()
            raise
    # Read after the opening, which may have promoted a rotation's keys (decision 0054).
    session_key = settings.secret("session_key")
    context = app_context(
        settings,
        clock=clock,
        engine=engine,
        session_factory=session_factory,
        attempts_engine=attempts_engine,
    )
    app = FastAPI(
        title="Xinyong public credit platform",
        version=xinyong.__version__,
        description=(
            "API of the Fuzhou public credit information platform. Every refusal answers "
            '`{"error": {"code", "message", "article", "field"}}`, citing the article of the '
            "Fuzhou Municipal Social Credit Management Measures it rests on."
        ),
        dependencies=[Depends(inputs.refuse_nul_characters)],
        # Served by web.api.docs with their assets from the platform itself, not a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = context
    # Inside the session middleware: the upload page's batch-sized limit depends on the
    # session (web.uploads.SESSION_BATCH_ROUTES).
    app.add_middleware(
        BodyLimit,
        default=MAX_REQUEST_BYTES,
        larger=dict.fromkeys(BATCH_ROUTES, MAX_BATCH_REQUEST_BYTES),
        signed_in_only=SESSION_BATCH_ROUTES,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_key.hex(),
        session_cookie="xinyong_session",
        same_site="lax",
        https_only=settings.secure_cookies,
        max_age=settings.token_lifetime_seconds,
    )
    # Outermost, so that an answer any other layer makes (a 413 of BodyLimit) has them too.
    app.add_middleware(SecurityHeaders, https=settings.secure_cookies)
    errors.install(app)
    openapi.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in discover_routers():
        app.include_router(router)
    return app


def verify_keys(settings: Settings, engine: Engine, clock: Clock) -> None:
    """The database's keys of record compared with ``settings``' (decision 0004, session 19
    addendum); raises ``KeysDoNotMatch``, or records them where the database has none."""
    cipher = FieldCipher(settings.secret("encryption_key"), settings.secret("blind_index_key"))
    with unit_of_work(make_session_factory(engine, keys_compared=False)) as session:
        keys_of_record.verify(session, clock, cipher)


def app_context(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    session_factory: sessionmaker[Session] | None = None,
    attempts_engine: Engine | None = None,
) -> AppContext:
    """Everything the app's routes read at request time (``app.state.context``).
    ``attempts_engine``, the database login attempts are counted in, is ``engine``'s but
    in tests, whose requests share one open transaction (``tests/conftest.py``)."""
    clock = clock or SystemClock()
    engine = engine or make_engine(settings.resolved_database_url)
    cipher = FieldCipher(settings.secret("encryption_key"), settings.secret("blind_index_key"))
    return AppContext(
        settings=settings,
        clock=clock,
        engine=engine,
        session_factory=session_factory or make_session_factory(engine),
        signer=TokenSigner(settings.secret("session_key"), settings.token_lifetime_seconds),
        login_limiter=SharedAttemptLimiter(
            attempts_engine or engine,
            clock,
            limit=settings.login_attempts_per_window,
            window_seconds=settings.login_window_seconds,
            what="login attempts",
            # Keyed: an unkeyed hash of an address or a username is undone by trying them.
            hash_key=cipher.blind_indexer(context="limited_attempt"),
        ),
    )


def discover_routers() -> list[APIRouter]:
    """Every ``router`` in a module of ``web.api`` and ``web.pages``: a domain adds its
    routes by adding a module. The permission-matrix test makes sure each is covered."""
    routers: list[APIRouter] = []
    for package in (api, pages):
        for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            loaded = importlib.import_module(f"{package.__name__}.{module.name}")
            router = getattr(loaded, "router", None)
            if isinstance(router, APIRouter):
                routers.append(router)
    return routers
