"""What the API process holds for its lifetime: settings, database sessions, Temporal client."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from services.core.settings import Settings
from services.core.temporal import connect


@dataclass
class AppState:
    settings: Settings
    sessions: sessionmaker[Session]
    _temporal: Client | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def temporal(self) -> Client:
        """The Temporal client, connected on first use and reused."""
        async with self._lock:
            if self._temporal is None:
                self._temporal = await asyncio.wait_for(connect(self.settings), timeout=5)
            return self._temporal
