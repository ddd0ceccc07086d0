"""Browser tests: Debian's Chromium driven by Playwright against a console served by uvicorn.

- `chromium` (session): /usr/bin/chromium, installed with apt-get when missing and root; the
  tests skip with the reason otherwise, or fail when CI is set (tests/utils/requirements.py).
  Playwright never downloads a browser here.
- `serve_console(settings)`: the API (with the console) under uvicorn in a thread, on a free
  loopback port; returns its base URL and stops it after the test.
- `browser` (function): a headless Chromium; `screens`: the test's screenshot folder,
  var/test-output/<test name>/, emptied first.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn

from services.api.main import create_app
from services.core.settings import Settings
from tests.utils.machine import CHROMIUM, install_chromium
from tests.utils.requirements import require, require_module

if TYPE_CHECKING:
    from playwright.sync_api import Browser

REPO = Path(__file__).resolve().parents[2]
OUTPUT = REPO / "var" / "test-output"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def chromium() -> Path:
    require_module("playwright.sync_api", "pip install -e '.[test]' (playwright)")
    if not CHROMIUM.exists():
        problem = install_chromium()
        if problem is not None:
            require(f"Chromium ({CHROMIUM})", problem)
    return CHROMIUM


@pytest.fixture
def browser(chromium: Path) -> Iterator[Browser]:
    from playwright.sync_api import expect, sync_playwright

    # Pages that wait on Temporal (a decision is a workflow update) can be slow on a busy
    # 2-core machine: assertions wait up to 30 s instead of 5.
    expect.set_options(timeout=30_000)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def screens(request: pytest.FixtureRequest) -> Path:
    """var/test-output/<test name>/: where the test's screenshots go (kept after the run)."""
    folder = OUTPUT / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


ServeConsole = Callable[[Settings], str]


@pytest.fixture
def serve_console() -> Iterator[ServeConsole]:
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def serve(settings: Settings) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        servers.append((server, thread))
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the console's uvicorn server did not start")
            time.sleep(0.05)
        return f"http://127.0.0.1:{port}"

    yield serve
    for server, thread in servers:
        server.should_exit = True
        thread.join(15)
