"""Formula injection: text that a spreadsheet program would run as a formula.

A cell whose text starts with = + - or @ (or a tab or carriage return, which some programs skip
before looking) can be taken as a formula when an exported file is opened, for example
"=HYPERLINK(...)" typed into a pupil's notes. Every text cell that provmap exports goes through
`neutralise`, which puts an apostrophe in front of such text so it is shown, not run. Both the
XLSX and the CSV writer call it, so the rule lives here only.

`restore` undoes it when provmap reads its own export back, so a note that starts with "=" or
"-" survives the round trip unchanged.
"""

from __future__ import annotations

DANGEROUS_FIRST_CHARACTERS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
# The first characters that may need a look further in: most text starts with none of them.
_FIRST_TO_CHECK = frozenset((*DANGEROUS_FIRST_CHARACTERS, GUARD))


def _needs_guard(text: str) -> bool:
    # Text already starting with apostrophes before a dangerous character gets one more, so
    # that `restore` (which removes exactly one) gives it back unchanged.
    return text.lstrip(GUARD).startswith(DANGEROUS_FIRST_CHARACTERS)


def neutralise(text: str) -> str:
    """Text that no spreadsheet program will run as a formula."""
    # Called for every text cell of an export (millions in a large one): the cheap test first.
    if text[:1] in _FIRST_TO_CHECK and _needs_guard(text):
        return GUARD + text
    return text


def restore(text: str) -> str:
    """The text `neutralise` was given, from what it returned."""
    if text.startswith(GUARD) and _needs_guard(text):
        return text[1:]
    return text
