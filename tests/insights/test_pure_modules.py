"""The calculations stand alone: importing them loads no Django model or web code."""

import subprocess
import sys

PURE_MODULES = (
    "progress",
    "effects",
    "estimator",
    "verdicts",
    "patterns",
    "wording",
    "charts",
    "disclosure",
)


def test_calculations_import_no_django():
    imports = "; ".join(f"import provmap.insights.{name}" for name in PURE_MODULES)
    check = "import sys; print(sorted(m for m in sys.modules if m.startswith('django')))"
    loaded = subprocess.run(
        [sys.executable, "-c", f"{imports}; {check}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    assert loaded == "[]"
