"""axe-core run in a page that Selenium drives: the WCAG 2.2 AA rules, and the violations that
fail a test (serious and critical ones).

The script is the one `docker/services.sh up browser` downloads from the npm registry and
checks against the integrity pinned there (PyPI's axe-selenium-python bundles a 2018 axe 3.x,
which has no WCAG 2.2 rules).
"""

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from selenium.webdriver.remote.webdriver import WebDriver

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
MINIMUM_VERSION = (4, 10)  # the first axe-core with WCAG 2.2's rules (target size)


def script_path() -> Path:
    """Where docker/services.sh puts axe.min.js (or `NEWSROOM_AXE_JS`)."""
    default = Path(settings.VAR_DIR) / "services" / "axe-core" / "axe.min.js"
    return Path(os.environ.get("NEWSROOM_AXE_JS") or default)


@cache
def _script(path: Path) -> str:
    if not path.is_file():
        pytest.fail(
            f"axe-core is missing at {path}: `docker/services.sh up browser` (run by "
            "`make test`) downloads it, or set NEWSROOM_AXE_JS to an axe.min.js 4.10+"
        )
    return path.read_text(encoding="utf-8")


def run_axe(browser: WebDriver) -> list[dict[str, Any]]:
    """The WCAG 2.0/2.1/2.2 A and AA violations of the page the browser shows."""
    if not browser.execute_script("return typeof window.axe === 'object'"):
        browser.execute_script(_script(script_path()))
    browser.set_script_timeout(60)
    outcome = browser.execute_async_script(
        """
        const [tags, done] = arguments;
        axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
            .then((results) => done({version: axe.version, violations: results.violations}))
            .catch((error) => done({error: String(error)}));
        """,
        TAGS,
    )
    assert "error" not in outcome, f"axe-core failed: {outcome['error']}"
    version = tuple(int(part) for part in outcome["version"].split(".")[:2])
    assert version >= MINIMUM_VERSION, (
        f"axe-core {outcome['version']} at {script_path()} is too old for WCAG 2.2: "
        "`docker/services.sh up browser` installs the pinned version"
    )
    return list(outcome["violations"])


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [violation for violation in violations if violation["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    """Each violation's rule, impact and help, with the elements it found (CSS selectors)."""
    lines = []
    for violation in violations:
        lines.append(
            f"  {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{violation['helpUrl']}]"
        )
        for node in violation["nodes"]:
            target = " >> ".join(json.dumps(part) for part in node["target"])
            lines.append(f"    {target}")
            if node.get("failureSummary"):
                summary = " ".join(node["failureSummary"].split())
                lines.append(f"      {summary}")
    return "\n".join(lines)
