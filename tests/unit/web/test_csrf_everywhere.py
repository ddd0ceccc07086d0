"""Every console form refuses a post without its session's CSRF token, and writes nothing.

The POST routes come from the app itself, so a console form added later is checked without
touching this file: if it forgets `CheckedForm`, its post without the token is not a CSRF 403
and this test fails. A path parameter path_values() has no value for fails it too, asking for
one. The sign-in form has no session yet, so it has its own pre-session CSRF cookie: checked
apart, like tests/unit/web/test_session.py does.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from starlette.routing import BaseRoute, Mount

from services.api.web import session as web_session
from services.api.web.campaigns import ACTIONS, spec_data
from services.campaigns.spec import CampaignSpec
from services.core.settings import Settings
from services.store.db import get_engine
from services.store.models import Base
from services.store.repos import campaigns as campaign_repo
from tests.unit.web.conftest import SignedIn
from tests.unit.web.factories import CSRF, change, sessions
from tests.utils.api import make_token

LOGIN = web_session.LOGIN_PATH
# The decisions the change page posts (services/api/web/changes.py `decide`).
DECISIONS = ("approve", "reject", "override-window")
# Everything a console form may carry but the CSRF token: the post is refused for that alone.
FORM = {
    "comment": "fits the contract",
    "reason": "customer outage",
    "kind": "wan_bandwidth",
    "site": "hq",
    "bandwidth_mbps": "80",
    "profile": "premium",
    "idempotency_key": "csrf-everywhere-0001",
    "name": "ios-17-9",
    "platforms": "cisco_ios",
    "target_versions": "cisco_ios=17.9.4a",
    "canary_size": "1",
    "wave_size": "3",
    "max_concurrency": "3",
    "max_failures": "0",
    "respect_windows": "on",
}
PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, BaseRoute]]:
    """(path, route) of every route, through included routers (FastAPI >= 0.16x wraps them
    in contexts) and mounts."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: the app lists its routes itself
        pairs: list[tuple[str | None, BaseRoute]] = [(None, r) for r in routes]
    else:
        pairs = [(getattr(c, "path", None), c.original_route) for c in iter_route_contexts(routes)]
    for path, route in pairs:
        if isinstance(route, Mount):
            yield from _routes(list(route.routes), prefix + route.path)
            continue
        yield prefix + (path or str(getattr(route, "path", ""))), route


def console_posts(app: FastAPI) -> list[str]:
    """Path templates of the console's POST routes, from the app."""
    return sorted(
        {
            path
            for path, route in _routes(list(app.routes))
            if path.startswith("/console") and "POST" in (getattr(route, "methods", None) or ())
        }
    )


def fill(template: str, chosen: dict[str, str]) -> str:
    return PARAM.sub(lambda m: chosen[m[1]], template)


def concrete(template: str, values: dict[str, tuple[str, ...]]) -> list[str]:
    """The template with each combination of its path parameters' values."""
    names = PARAM.findall(template)
    missing = [n for n in names if n not in values]
    assert not missing, f"{template}: add a value for {missing} to path_values() in {__file__}"
    return [
        fill(template, dict(zip(names, combo, strict=True)))
        for combo in itertools.product(*(values[n] for n in names))
    ]


def snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every row of every netwave table."""
    with engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(table.select()))
            for table in Base.metadata.sorted_tables
        }


def path_values(settings: Settings) -> dict[str, tuple[str, ...]]:
    """A stored acme change awaiting approval and a stored running campaign to post about."""
    pending = change(settings, "acme", awaiting=True)
    with sessions(settings).begin() as session:
        campaign_repo.create_campaign(
            session,
            campaign_id="c-csrf",
            name="ios-17-9",
            kind="os_upgrade",
            spec=CampaignSpec.model_validate(spec_data({**FORM, "kind": "os_upgrade"})).model_dump(
                mode="json"
            ),
            created_by="someone-else",
            created_by_token_id=None,
            workflow_id="campaign-c-csrf",
        )
    return {
        "tenant": ("acme",),
        "change_id": (pending,),
        "decision": DECISIONS,
        "campaign_id": ("c-csrf",),
        "action": tuple(sorted(ACTIONS)),
    }


def test_every_console_form_refuses_a_post_without_its_csrf_token(
    signed_in: SignedIn, web_settings: Settings
) -> None:
    values = path_values(web_settings)
    # An admin may use every console form (requesting, deciding, overriding, campaigns).
    admin, _, csrf = signed_in("admin")
    _, _, other_csrf = signed_in("admin")  # genuine, but another session's
    assert isinstance(admin.app, FastAPI)
    templates = console_posts(admin.app)
    assert LOGIN in templates and "/console/logout" in templates, templates
    paths = [p for t in templates if t != LOGIN for p in concrete(t, values)]
    engine = get_engine(web_settings.database_url)
    before = snapshot(engine)
    for path, forged in itertools.product(paths, (None, "", "forged", other_csrf, csrf + "x")):
        data = FORM if forged is None else {**FORM, web_session.CSRF_FIELD: forged}
        response = admin.post(path, data=data, follow_redirects=False)
        assert response.status_code == 403 and "CSRF" in response.text, (
            path,
            forged,
            response.status_code,
            response.text[-500:],
        )
    assert snapshot(engine) == before, "a refused post wrote to the database"
    assert admin.get("/console/changes").status_code == 200, "still signed in"

    # With the session's token the same posts get past the check, and the role is allowed (no
    # 403 at all): the refusals above were the CSRF check's. Temporal is down (port 1): the
    # workflow calls answer 503, which is fine here. Signing out goes last.
    for path in sorted(paths, key=lambda p: p == "/console/logout"):
        data = {**FORM, web_session.CSRF_FIELD: csrf}
        response = admin.post(path, data=data, follow_redirects=False)
        assert response.status_code != 403, (path, response.text[-500:])


def test_the_sign_in_form_refuses_a_post_without_its_login_csrf_cookie_value(
    client: TestClient, web_settings: Settings
) -> None:
    token = make_token(web_settings, "admin")
    engine = get_engine(web_settings.database_url)
    before = snapshot(engine)
    for forged in (None, "", "forged"):
        client.get(LOGIN)  # the form sets its pre-session cookie
        data = {"token": token, "next": ""}
        if forged is not None:
            data[web_session.CSRF_FIELD] = forged
        response = client.post(LOGIN, data=data, follow_redirects=False)
        assert response.status_code == 403, (forged, response.text[-500:])
        assert web_session.COOKIE not in client.cookies
    # A form value without the cookie it should match is refused too.
    form = client.get(LOGIN)
    found = CSRF.search(form.text)
    assert found, form.text
    client.cookies.clear()
    response = client.post(
        LOGIN, data={"token": token, web_session.CSRF_FIELD: found[1]}, follow_redirects=False
    )
    assert response.status_code == 403 and web_session.COOKIE not in client.cookies
    assert snapshot(engine) == before, "a refused sign-in wrote to the database"
