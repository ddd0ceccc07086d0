"""The console's audit log page: every entry for staff, a tenant's own, filters and next page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from services.core.settings import Settings
from services.store.repos import audit_log as audit_log_repo
from tests.unit.web.conftest import SignedIn
from tests.unit.web.factories import sessions

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
UNTIL = (T0 + timedelta(hours=1)).isoformat()  # before the sign-ins' own entries
ROW = re.compile(
    r'<tr data-entry="\d+">\s*<td>[^<]*</td>\s*<td>[^<]*</td>\s*<td>[^<]*</td>'
    r"\s*<td>[^<]*</td>\s*<td>([^<]*)</td>"
)


@pytest.fixture
def entries(web_settings: Settings) -> None:
    with sessions(web_settings).begin() as session:
        for n, tenant in enumerate(("acme", "globex", None, "acme")):
            audit_log_repo.record(
                session,
                actor="alice",
                action="change.request" if tenant else "token.create",
                tenant=tenant,
                object=f"<obj{n}>",
                detail={"n": n},
                at=T0 + timedelta(minutes=n),
            )


def _objects(html: str) -> list[str]:
    return ROW.findall(html)


@pytest.mark.usefixtures("entries")
def test_staff_see_every_entry_filter_and_page(signed_in: SignedIn) -> None:
    client, _, _ = signed_in("approver")
    home = client.get("/console/approvals")
    assert 'href="/console/audit-log"' in home.text  # in the navigation
    shown = client.get("/console/audit-log", params={"until": UNTIL, "tenant": "", "actor": ""})
    assert shown.status_code == 200
    assert _objects(shown.text) == ["&lt;obj3&gt;", "&lt;obj2&gt;", "&lt;obj1&gt;", "&lt;obj0&gt;"]
    assert "token.create" in shown.text and "—" in shown.text  # the fleet-wide entry
    acme = client.get("/console/audit-log", params={"until": UNTIL, "tenant": "acme"})
    assert _objects(acme.text) == ["&lt;obj3&gt;", "&lt;obj0&gt;"]
    first = client.get("/console/audit-log", params={"until": UNTIL, "limit": 3})
    assert len(_objects(first.text)) == 3
    found = re.search(r'<a href="([^"]+)" id="next-page">', first.text)
    assert found
    second = client.get("/console/audit-log" + found[1].replace("&amp;", "&"))
    assert _objects(second.text) == ["&lt;obj0&gt;"]
    assert 'id="next-page"' not in second.text


@pytest.mark.usefixtures("entries")
def test_tenant_sees_only_its_own(signed_in: SignedIn) -> None:
    client, _, _ = signed_in("tenant", "acme")
    shown = client.get("/console/audit-log", params={"until": UNTIL})
    assert _objects(shown.text) == ["&lt;obj3&gt;", "&lt;obj0&gt;"]
    assert 'href="/console/audit-log"' in shown.text
    assert client.get("/console/audit-log", params={"tenant": "globex"}).status_code == 404


def test_bad_filter_names_the_field(signed_in: SignedIn) -> None:
    client, _, _ = signed_in("engineer")
    shown = client.get("/console/audit-log", params={"since": "yesterday", "cursor": "x"})
    assert shown.status_code == 422
    assert "since:" in shown.text and "cursor:" in shown.text
