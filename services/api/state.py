"""What the API process holds for its lifetime: settings, database sessions, Temporal client."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from services.api.throttle import AuthThrottle
from services.core.settings import Settings
from services.core.temporal import connect


@dataclass
class AppState:
    settings: Settings
    sessions: sessionmaker[Session]
    _temporal: Client | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Failed authentications per client address (services/api/throttle.py).
    throttle: AuthThrottle = field(init=False)

    def __post_init__(self) -> None:
        self.throttle = AuthThrottle.from_settings(self.settings)

    async def temporal(self) -> Client:
        """The Temporal client, connected on first use and reused."""
        async with self._lock:
            if self._temporal is None:
                self._temporal = await asyncio.wait_for(connect(self.settings), timeout=5)
            return self._temporal
