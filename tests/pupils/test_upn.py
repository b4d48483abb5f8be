import pytest
from hypothesis import given
from hypothesis import strategies as st

from provmap.pupils.upn import UPNError, check_letter, is_valid_upn, make_upn, validate_upn


@pytest.mark.parametrize("upn", ["H801200001001", "G80120000101A", "B801200005001"])
def test_valid_upns_from_the_dfe_examples_pass(upn):
    assert validate_upn(upn) == upn


def test_upn_is_normalised_before_checking():
    assert validate_upn("  h8012 00001001 ") == "H801200001001"


@pytest.mark.parametrize(
    ("upn", "message"),
    [
        ("H80120000100", "13 characters; 'H80120000100' has 12"),
        ("H8012000010011", "has 14"),
        ("1801200001001", "not shaped like a UPN"),
        ("H80120000I00A", "not shaped like a UPN"),
        ("A801200001001", "should be H, not A"),
        ("H801200001002", "should be"),
        ("G80120000101I", "ends in 'I'"),
    ],
)
def test_invalid_upns_say_what_is_wrong(upn, message):
    with pytest.raises(UPNError, match=message):
        validate_upn(upn)
    assert not is_valid_upn(upn)


def test_temporary_upn_letter_counts_as_its_index_in_the_check_alphabet():
    # The final 'A' counts as 0, so the body weighs the same as ...1010 would with a 0 there.
    assert check_letter("80120000101A") == "G"


def test_make_upn_builds_the_la_establishment_year_and_serial():
    upn = make_upn("801", "2000", 2001, 1)

    assert upn == "H801200001001"


@given(
    la=st.integers(min_value=201, max_value=999),
    estab=st.integers(min_value=0, max_value=9999),
    year=st.integers(min_value=0, max_value=99),
    serial=st.integers(min_value=0, max_value=999),
)
def test_every_made_upn_is_valid_and_any_single_digit_typo_is_caught(la, estab, year, serial):
    upn = make_upn(str(la), str(estab), year, serial)
    assert is_valid_upn(upn)

    # Changing any one digit changes the weighted sum by weight x difference, with weights
    # 2-13 and differences 1-9 never a multiple of 23, so the check letter catches it.
    for position in range(1, 13):
        digit = int(upn[position])
        typo = upn[:position] + str((digit + 1) % 10) + upn[position + 1 :]
        assert not is_valid_upn(typo)
