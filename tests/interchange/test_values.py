import datetime as dt
from decimal import Decimal

import pytest

from provmap.interchange.census_codes import (
    ETHNICITY_CODES,
    ETHNICITY_MAIN_CODES,
    LANGUAGE_CODES,
)
from provmap.interchange.values import (
    ETHNICITY_DESCRIPTIONS,
    LANGUAGE_DESCRIPTIONS,
    CellError,
    UncalculatedFormula,
    check_readable,
    nc_year_for_age,
    parse_age_months,
    parse_areas,
    parse_bool,
    parse_census_nc_year,
    parse_date,
    parse_decimal,
    parse_ethnicity,
    parse_language,
    parse_nc_year,
    parse_need,
    parse_rating,
    parse_sen_status,
    parse_sex,
    parse_wave,
    split_bound,
)

SEPT_8 = dt.date(2025, 9, 8)


@pytest.mark.parametrize(
    "value",
    [
        "08/09/2025",
        "8/9/2025",
        "08-09-2025",
        "08.09.2025",
        "2025-09-08",
        "2025-9-8",
        "2025-09-08T00:00:00",
        "8 Sep 2025",
        "08-Sept-2025",
        "8 September 2025",
        SEPT_8,
        dt.datetime(2025, 9, 8, 0, 0),
        45908,
        45908.0,
    ],
)
def test_dates_are_read_day_first_iso_or_as_real_excel_dates(value):
    assert parse_date(value) == SEPT_8


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("31/02/2014", "'31/02/2014' is not a real date: February 2014 has 28 days."),
        ("29/02/2023", "'29/02/2023' is not a real date: February 2023 has 28 days."),
        ("31/04/2025", "'31/04/2025' is not a real date: April 2025 has 30 days."),
        (
            "09/13/2025",
            "'09/13/2025' is not a real date: there is no month 13 (dates are read day first, "
            "as in 31/01/2014).",
        ),
        (
            "31/01/14",
            "expected a date like 31/01/2014 or 2014-01-31 with a four-digit year, not '31/01/14'.",
        ),
        ("next Tuesday", "expected a date like 31/01/2014 or 2014-01-31, not 'next Tuesday'."),
        ("01/01/1066", "'01/01/1066' is not a plausible date (the year is 1066)."),
        (True, "expected a date like 31/01/2014 or 2014-01-31, not True."),
    ],
)
def test_impossible_dates_are_refused_saying_why(value, message):
    with pytest.raises(CellError) as refused:
        parse_date(value)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("104", Decimal("104")),
        ("£1,234.50", Decimal("1234.50")),
        ("85%", Decimal("85")),
        (93.5, Decimal("93.5")),
        (7, Decimal("7")),
        (" -3 ", Decimal("-3")),
    ],
)
def test_numbers(value, number):
    assert parse_decimal(value) == number


@pytest.mark.parametrize("value", ["absent", "NaN", "Infinity", "1.2.3", True])
def test_what_is_not_a_number_is_refused(value):
    with pytest.raises(CellError, match="expected a number"):
        parse_decimal(value)


@pytest.mark.parametrize(
    ("value", "flag"),
    [
        ("Y", True),
        ("yes", True),
        ("TRUE", True),
        ("T", True),
        ("1", True),
        ("✓", True),
        (True, True),
        (1, True),
        ("N", False),
        ("No", False),
        ("false", False),
        ("0", False),
        (False, False),
    ],
)
def test_flags(value, flag):
    assert parse_bool(value) is flag


def test_an_unclear_flag_is_refused():
    with pytest.raises(CellError, match="expected Yes or No, not 'maybe'"):
        parse_bool("maybe")


@pytest.mark.parametrize(
    ("value", "year"),
    [
        ("9", "9"),
        ("Year 9", "9"),
        ("Y9", "9"),
        ("Yr 9", "9"),
        ("09", "9"),
        (9, "9"),
        (9.0, "9"),
        ("R", "R"),
        ("Reception", "R"),
        ("YR", "R"),
        ("N1", "N1"),
        ("Nursery 2", "N2"),
        ("Year 13", "13"),
        ("NC Year 10", "10"),
    ],
)
def test_year_groups(value, year):
    assert parse_nc_year(value) == year


@pytest.mark.parametrize("value", ["Year 15", "0", "X", "Sixth form"])
def test_unknown_year_groups_are_refused(value):
    with pytest.raises(CellError, match="expected a National Curriculum year"):
        parse_nc_year(value)


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("K", "K"),
        ("k", "K"),
        ("K - SEN Support", "K"),
        ("SEN Support", "K"),
        ("EHCP", "E"),
        ("E - Education, Health and Care Plan", "E"),
        ("EHC Plan", "E"),
        ("N", "N"),
        ("No SEN", "N"),
        ("S", "S"),
        ("Statement", "S"),
        ("School Action Plus", "P"),
    ],
)
def test_sen_statuses(value, status):
    assert parse_sen_status(value) == status


@pytest.mark.parametrize(
    ("value", "need"),
    [
        ("SpLD", "SPLD"),
        ("ASD", "ASD"),
        ("Autism", "ASD"),
        ("ASC", "ASD"),
        ("SEMH - Social, Emotional and Mental Health", "SEMH"),
        ("Speech, language and communication needs", "SLCN"),
        ("Dyslexia", "SPLD"),
    ],
)
def test_need_types(value, need):
    assert parse_need(value) == need


def test_other_codes():
    assert [parse_sex(value) for value in ("M", "Female", "girl", "B")] == ["M", "F", "F", "M"]
    assert parse_ethnicity("White - British") == "WBRI"
    assert parse_ethnicity("apkn") == "APKN"
    assert [parse_rating(value) for value in ("Green", "g", "Red: no progress", "BLUE")] == [
        "G",
        "G",
        "R",
        "B",
    ]
    assert parse_areas("Cognition and learning; SEMH") == ("CL", "SEMH")
    assert [parse_wave(value) for value in ("2", "Wave 3", 1)] == [2, 3, 1]


def test_cells_no_column_can_use_are_refused():
    with pytest.raises(CellError, match=r"holds a formula \(=SUM\(A1:A3\)\) with no saved"):
        check_readable(UncalculatedFormula("=SUM(A1:A3)"))
    with pytest.raises(CellError, match="shows the Excel error #N/A"):
        check_readable("#N/A")
    check_readable("fine")


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("SEN Support", "K"),
        ("sen support", "K"),
        ("EHC Plan", "E"),
        ("Education, Health and Care Plan", "E"),
        ("No Special Educational Need", "N"),
        ("Statement of Special Educational Needs", "S"),
    ],
)
def test_sen_status_descriptions_of_the_census_and_mis_exports(value, status):
    assert parse_sen_status(value) == status


@pytest.mark.parametrize(
    ("value", "need"),
    [
        ("Specific Learning Difficulty", "SPLD"),
        ("Moderate Learning Difficulty", "MLD"),
        ("Autistic Spectrum Disorder", "ASD"),
        ("Social, Emotional and Mental Health", "SEMH"),
        ("Multi-Sensory Impairment", "MSI"),
        ("SEN support but no specialist assessment of type of need", "NSA"),
        ("BESD", "SEMH"),
    ],
)
def test_need_type_descriptions(value, need):
    assert parse_need(value) == need


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("White - British", "WBRI"),
        ("White - English", "WENG"),
        ("Asian or Asian British - Pakistani", "APKN"),
        ("Black or Black British - African", "BAFR"),
        ("Thai", "OTHA"),
        ("WSCO", "WSCO"),
        ("Information not yet obtained", "NOBT"),
    ],
)
def test_ethnicity_descriptions_main_and_extended(value, code):
    assert parse_ethnicity(value) == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("English", "ENG"),
        ("Polish", "POL"),
        ("Urdu", "URD"),
        ("Panjabi", "PNJ"),
        ("Bengali (Sylheti)", "BNGS"),
        ("POL", "POL"),
        ("eng", "ENG"),
        ("ENG - English", "ENG"),
    ],
)
def test_language_names_and_codes(value, code):
    assert parse_language(value) == code


def test_an_unknown_language_name_is_refused_with_what_is_allowed():
    with pytest.raises(CellError, match=r"census language code \(for example ENG\)"):
        parse_language("Klingon")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Igbo", "IGB"),
        ("Akan (Twi/Asante)", "AKAT"),
        ("Kurdish (Sorani)", "KURS"),
        ("Tigrinya", "TGR"),
        ("TGR", "TGR"),
        ("prsd", "PRSD"),
        ("ROM - Romany/English Romanes", "ROM"),
    ],
)
def test_every_language_of_the_dfe_list_is_known_by_code_and_name(value, code):
    assert parse_language(value) == code


@pytest.mark.parametrize("code", ["XYZ", "SRB", "ENGL"])
def test_a_language_code_not_on_the_dfe_list_is_refused_with_a_pointer_to_it(code):
    with pytest.raises(CellError) as error:
        parse_language(code)

    message = str(error.value)
    assert f"'{code}' is not one of the DfE's language codes" in message
    assert f"school census's list of first languages ({len(LANGUAGE_CODES)} codes" in message
    assert "ENG, POL, URD" in message


@pytest.mark.parametrize(
    ("value", "code"),
    [("WKOS", "WKOS"), ("mwch", "MWCH"), ("Black - Sierra Leonean", "BSLN"), ("Malay", "OMAL")],
)
def test_extended_ethnicity_codes_and_their_descriptions(value, code):
    assert parse_ethnicity(value) == code


@pytest.mark.parametrize("code", ["WXYZ", "ABC", "ENG"])
def test_an_ethnicity_code_not_on_the_dfe_list_is_refused_with_the_main_codes(code):
    with pytest.raises(CellError) as error:
        parse_ethnicity(code)

    message = str(error.value)
    assert f"'{code}' is not one of the DfE's ethnicity codes" in message
    assert "the main codes are WBRI, WIRI, WIRT, WOTH, WROM" in message
    assert "REFU, NOBT" in message


def test_the_code_lists_hold_every_code_the_descriptions_map_to():
    assert set(ETHNICITY_DESCRIPTIONS.values()) <= set(ETHNICITY_CODES)
    assert set(LANGUAGE_DESCRIPTIONS.values()) <= set(LANGUAGE_CODES)
    assert set(ETHNICITY_MAIN_CODES) <= set(ETHNICITY_CODES)
    assert all(len(code) in (3, 4) and code.isupper() for code in LANGUAGE_CODES)
    assert all(len(code) == 4 and code.isupper() for code in ETHNICITY_CODES)


@pytest.mark.parametrize(
    ("value", "year", "noted"),
    [("E1", "N1", True), ("E2", "N1", True), ("14", "13", True), ("X", "X", True)],
)
def test_census_year_codes_of_special_schools_and_early_years(value, year, noted):
    code, note = parse_census_nc_year(value)
    assert (code, bool(note)) == (year, noted)


def test_the_year_group_of_an_age():
    october = dt.date(2025, 10, 1)
    assert nc_year_for_age(dt.date(2012, 10, 1), october) == "8"
    assert nc_year_for_age(dt.date(2013, 8, 31), october) == "8"
    assert nc_year_for_age(dt.date(2020, 9, 1), october) == "R"
    assert nc_year_for_age(dt.date(2000, 1, 1), october) is None


@pytest.mark.parametrize(
    "value", ["9.04", "9:04", "9y 4m", "9 years 4 months", "9 yrs 4 mths", 9.04, "112"]
)
def test_reading_ages_in_the_forms_schools_write(value):
    assert parse_age_months(value) == Decimal(112)


def test_an_age_with_too_many_months_is_refused():
    with pytest.raises(CellError, match="the months run from 0 to 11"):
        parse_age_months("9.14")


@pytest.mark.parametrize(
    ("value", "split"),
    [("<70", ("70", "<")), ("131+", ("131", ">")), (">130", ("130", ">")), ("96", ("96", ""))],
)
def test_scores_given_as_a_bound(value, split):
    assert split_bound(value) == split


@pytest.mark.parametrize("value", ["yes", "YES", "Y", "true", "TRUE", "1", 1, "T"])
def test_flags_in_any_case(value):
    assert parse_bool(value) is True


def test_dates_with_a_time_zone():
    assert parse_date("2025-10-01T09:30:00+01:00") == dt.date(2025, 10, 1)
    assert parse_date("2025-10-01T08:30:00Z") == dt.date(2025, 10, 1)
