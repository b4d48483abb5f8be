"""Unique pupil numbers (UPN): the DfE's 13-character pupil identifier.

Layout: check letter, LA number (3 digits), establishment number (4), year of issue (2),
serial (3). A temporary UPN ends in two digits and a letter. The check letter is found by
weighting characters 2-13 by 2-13, taking the sum modulo 23 and reading that index in
CHECK_ALPHABET; a letter in position 13 counts as its own index in the same alphabet.
"""

from __future__ import annotations

import operator
import re

CHECK_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"

_SHAPE = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")


class UPNError(ValueError):
    """A UPN that is not valid, with a message a school can act on."""


def _character_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    return CHECK_ALPHABET.index(char)


# Each character's value, looked up rather than worked out: every row of an import has a UPN.
_VALUES = {
    **{str(digit): digit for digit in range(10)},
    **{char: index for index, char in enumerate(CHECK_ALPHABET)},
}
_WEIGHTS = range(2, 14)


def check_letter(body: str) -> str:
    """The check letter for the twelve characters that follow it."""
    if len(body) != 12:
        raise UPNError("the body of a UPN is twelve characters")
    try:
        total = sum(map(operator.mul, _WEIGHTS, map(_VALUES.__getitem__, body)))
    except KeyError:
        # A character outside the table: worked out one by one, which says what is wrong.
        total = sum(
            weight * _character_value(char) for weight, char in zip(_WEIGHTS, body, strict=True)
        )
    return CHECK_ALPHABET[total % 23]


def normalise_upn(value: str) -> str:
    return value.strip().upper().replace(" ", "")


def validate_upn(value: str) -> str:
    """Return the normalised UPN or raise UPNError saying exactly what is wrong."""
    upn = normalise_upn(value)
    if len(upn) != 13:
        raise UPNError(f"A UPN has 13 characters; '{value}' has {len(upn)}.")
    if not _SHAPE.match(upn):
        raise UPNError(
            f"'{value}' is not shaped like a UPN: a letter, eleven digits, "
            "then a digit or a letter."
        )
    if upn[12].isalpha() and upn[12] not in CHECK_ALPHABET:
        raise UPNError(f"'{value}' ends in '{upn[12]}', which UPNs never use.")
    expected = check_letter(upn[1:])
    if upn[0] != expected:
        raise UPNError(
            f"The check letter of '{value}' should be {expected}, not {upn[0]}: "
            "a character has probably been mistyped."
        )
    return upn


def is_valid_upn(value: str) -> bool:
    try:
        validate_upn(value)
    except UPNError:
        return False
    return True


def make_upn(la_code: str, estab_code: str, year: int, serial: int) -> str:
    """A permanent UPN for the given LA, establishment, year of issue and serial."""
    body = f"{int(la_code):03d}{int(estab_code):04d}{year % 100:02d}{serial:03d}"
    return check_letter(body) + body
