"""The bare FastAPI endpoint the API benchmark compares with: same uvicorn call as `netwave api`.

`python -m tests.benchmarks.bare_api PORT` serves GET /bare on 127.0.0.1:PORT.
"""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI

app = FastAPI(title="bare")


@app.get("/bare")
async def bare() -> dict[str, str]:
    """A constant: what FastAPI and uvicorn cost with nothing behind them."""
    return {"status": "ok"}


def main() -> None:
    # Same server settings as services/cli/stack.py `api` (uvicorn defaults, log_level warning).
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")


if __name__ == "__main__":
    main()
