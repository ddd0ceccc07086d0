"""A signed-in console user in its own browser context, taking a screenshot of each page."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect


class ConsoleUser:
    """One person at the console: their own cookies, numbered screenshots in `screens`."""

    def __init__(self, browser: Browser, base_url: str, screens: Path, who: str) -> None:
        self.context = browser.new_context(
            base_url=base_url, viewport={"width": 1280, "height": 900}
        )
        self.page: Page = self.context.new_page()
        self.screens = screens
        self.who = who

    def shot(self, label: str) -> Path:
        """Save the whole page as NN-<who>-<label>.png."""
        number = len(list(self.screens.glob("*.png"))) + 1
        path = self.screens / f"{number:02d}-{self.who}-{re.sub(r'[^a-z0-9]+', '-', label)}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def visit(self, path: str, label: str) -> Page:
        self.page.goto(path)
        self.shot(label)
        return self.page

    def sign_in(self, token: str) -> Page:
        self.visit("/console/login", "sign-in")
        self.page.fill("#token", token)
        self.page.click("button[type=submit]")
        expect(self.page.locator("#sign-out")).to_be_visible()
        self.shot("signed-in")
        return self.page

    def close(self) -> None:
        self.context.close()
