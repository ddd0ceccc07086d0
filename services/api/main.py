"""`netwave api`: the FastAPI application, wired from routers; no logic of its own."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry

from services.api import web
from services.api.access_log import AccessLogMiddleware
from services.api.body_limit import BodyLimitMiddleware
from services.api.deps import refusal_status
from services.api.errors import validation_error
from services.api.http_metrics import HttpMetricsMiddleware
from services.api.routes import (
    attention,
    audit_log,
    audit_schedules,
    backup_runs,
    backups,
    campaigns,
    changes,
    compliance,
    devices,
    health,
    host_keys,
    images,
    intent,
    metrics,
    platforms,
    runs,
    tenants,
)
from services.api.state import AppState
from services.app.errors import InvalidRequest, Refused
from services.core.errors import InventoryError, NetwaveError, NotFoundError
from services.core.settings import Settings, get_settings
from services.network.inventory import list_tenants
from services.observability.gauges import DatabaseGauges
from services.observability.tracing import instrument_api
from services.store.db import get_engine, make_session_factory
from services.store.errors import InvalidInputError
from services.store.migrate import upgrade
from services.store.repos import images as image_repo
from services.store.repos import tenants as tenant_repo

log = logging.getLogger("netwave.api")


def sync_tenants(state: AppState) -> None:
    """Every inventory folder is a tenant row (tenants are never deleted here)."""
    try:
        names = list_tenants(state.settings.inventories_path)
    except InventoryError as exc:
        log.warning("no tenants loaded: %s", exc)
        return
    with state.sessions.begin() as session:
        for name in names:
            tenant_repo.ensure_tenant(session, name=name)


def seed_catalogue(state: AppState) -> None:
    """Images of the catalogue file that the database does not have yet."""
    path = state.settings.image_catalogue_file or state.settings.inventories_path / "images.yaml"
    if not path.is_file():
        return
    images = image_repo.load_catalogue(path)
    with state.sessions.begin() as session:
        added = image_repo.seed_images(session, images)
    if added:
        log.info("image catalogue: %d images added from %s", added, path)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        upgrade(settings.database_url)
        sync_tenants(app.state.netwave)
        seed_catalogue(app.state.netwave)
        yield

    app = FastAPI(
        title="netwave",
        version="0.1.0",
        summary="Durable, reviewable, reversible fleet-wide network change for MSPs",
        lifespan=lifespan,
    )
    app.state.netwave = AppState(
        settings=settings, sessions=make_session_factory(get_engine(settings.database_url))
    )
    # This app's gauges over its database; GET /metrics adds the process's own metrics.
    app.state.metrics_registry = CollectorRegistry(auto_describe=False)
    app.state.metrics_registry.register(DatabaseGauges(app.state.netwave.sessions))
    for module in (
        health,
        metrics,
        tenants,
        devices,
        intent,
        backups,
        backup_runs,
        compliance,
        audit_schedules,
        runs,
        changes,
        images,
        platforms,
        attention,
        host_keys,
        campaigns,
        audit_log,
        web,
    ):
        app.include_router(module.router)

    @app.exception_handler(RequestValidationError)
    async def _malformed(request: Request, exc: RequestValidationError) -> JSONResponse:
        return await validation_error(request, exc)

    @app.exception_handler(NotFoundError)
    async def _not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": exc.message}, status_code=404)

    @app.exception_handler(InvalidInputError)
    async def _invalid(_: Request, exc: InvalidInputError) -> JSONResponse:
        return JSONResponse({"detail": exc.message, "code": exc.code}, status_code=422)

    @app.exception_handler(Refused)
    async def _refused(_: Request, exc: Refused) -> JSONResponse:
        return JSONResponse({"detail": exc.message}, status_code=refusal_status(exc))

    @app.exception_handler(InvalidRequest)
    async def _invalid_request(_: Request, exc: InvalidRequest) -> JSONResponse:
        return JSONResponse({"detail": exc.as_detail()}, status_code=422)

    @app.exception_handler(NetwaveError)
    async def _netwave_error(_: Request, exc: NetwaveError) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "code": exc.code}, status_code=409)

    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(AccessLogMiddleware, trusted_proxies=settings.trusted_proxies)
    app.add_middleware(HttpMetricsMiddleware)
    instrument_api(app, settings)  # traces requests when NETWAVE_OTLP_ENDPOINT is set
    return app
