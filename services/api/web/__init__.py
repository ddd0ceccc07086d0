"""The web console: server-rendered pages over the API's own auth, scoping and use cases."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from services.api.web import audit_log, auth, campaigns, changes, compliance, devices, new_change
from services.api.web.render import STATIC_DIR, environment

router = APIRouter(include_in_schema=False)
# new_change before changes: `/changes/new` is not a change id.
for module in (auth, new_change, changes, compliance, devices, campaigns, audit_log):
    router.include_router(module.router)
environment.globals["campaigns_enabled"] = True
environment.filters["intent_value"] = devices.shown_value
environment.filters["edit_text"] = devices.edit_text
router.mount("/console/static", StaticFiles(directory=STATIC_DIR), name="console-static")
