"""Helpers of the browser tests: the server handle, signing in and screenshots."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"
ADMIN_PASSWORD = "e2e-admin-password"


@dataclass
class Server:
    """A running server: its base URL, an admin API token and an HTTP client for setup."""

    url: str
    token: str
    log: Path

    def client(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.Client(base_url=f"{self.url}/api/v1", headers=headers, timeout=15)

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the API as the admin; fails the test on an error status."""
        with self.client() as client:
            response = client.request(method, path, **kwargs)
        assert response.status_code < 400, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        return response.json() if response.content else None


def sign_in(page: Any, path: str = "/") -> None:
    """Sign in as the admin through the sign-in form and land on ``path``."""
    page.goto(path)
    page.get_by_test_id("login-password").fill(ADMIN_PASSWORD)
    page.get_by_test_id("login-username").fill("admin")
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("current-user").filter(has_text="admin").wait_for()


def screenshot(page: Any, name: str, *, height: int | None = None) -> None:
    """Save a screenshot for the docs (docs/screenshots/<name>.png), optionally taller."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    if height is not None:
        page.set_viewport_size({"width": size["width"], "height": height})
        page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    if height is not None:
        page.set_viewport_size(size)
