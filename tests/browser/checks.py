"""What every page of the browser journeys is held to: no serious or critical axe-core
finding, and a full-page screenshot made on every run: in test-results/screenshots/ (not
tracked), or in the folder PROVMAP_SCREENSHOTS names (`make screenshots` refreshes the
README's pictures in docs/screenshots/ that way)."""

from __future__ import annotations

import os
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / os.environ.get("PROVMAP_SCREENSHOTS", "test-results/screenshots")
BLOCKING_IMPACTS = {"serious", "critical"}


def check_accessibility(page: Page, name: str) -> None:
    """Fail on serious or critical axe-core findings; print the others as notes."""
    violations = Axe().run(page).response["violations"]
    for violation in violations:
        targets = [node["target"] for node in violation["nodes"]]
        print(f"[{name}] {violation['impact']}: {violation['id']} - {violation['help']} {targets}")
    blocking = [v["id"] for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    assert blocking == [], f"axe found serious or critical issues on the {name} page: {blocking}"


def screenshot(page: Page, filename: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / filename), full_page=True)
