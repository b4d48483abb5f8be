"""Every stylesheet is well formed: a rule left open would silently swallow every rule after
it (a browser reads them as nested), so a page would look right in parts and wrong in others."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import provmap

STYLESHEETS = sorted((Path(provmap.__file__).parent / "static").rglob("*.css"))


@pytest.mark.parametrize("path", STYLESHEETS, ids=lambda path: path.name)
def test_every_rule_is_closed(path: Path):
    text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"{path.name}: a '}}' with nothing open, line {number}"
    assert depth == 0, f"{path.name}: {depth} rule(s) left open"


def test_the_stylesheets_are_found():
    assert {path.name for path in STYLESHEETS} >= {"app.css", "setup.css", "impact.css"}
