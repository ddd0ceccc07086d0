"""Use cases on scratch settings: a migrated database with the inventories' tenants."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session

from services.core.settings import Settings
from services.store.repos.tokens import Identity
from tests.unit.web.factories import sessions, token_id
from tests.utils.api import make_token

Caller = Callable[..., Identity]


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    with sessions(settings)() as opened:
        yield opened


@pytest.fixture
def caller(settings: Settings) -> Caller:
    """caller(role, tenant=None, principal=None): the identity of a new stored token."""

    def make(role: str, tenant: str | None = None, principal: str | None = None) -> Identity:
        name = principal or f"{role}@msp.example"
        token = make_token(settings, role, tenant=tenant, principal=name)
        return Identity(token_id=token_id(settings, token), name=name, role=role, tenant=tenant)

    return make
