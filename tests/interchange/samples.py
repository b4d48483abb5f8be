"""Realistic files for the interchange tests: MIS student lists (CSV and XLSX, the way SIMS,
Arbor and Bromcom name their columns), Common Transfer Files and spreadsheet maps."""

from __future__ import annotations

import csv
import datetime as dt
import io
from xml.sax.saxutils import escape

import xlsxwriter
from django.apps import apps

# Valid UPNs (LA 801, establishment 2000, issued 2022).
UPNS = [
    "N801200022001",
    "C801200022002",
    "R801200022003",
    "F801200022004",
    "V801200022005",
    "J801200022006",
    "Y801200022007",
    "M801200022008",
]

SIMS_HEADINGS = [
    "Legal Surname",
    "Legal Forename",
    "Preferred Forename",
    "UPN",
    "Adno",
    "DOB",
    "Gender",
    "Year",
    "Reg",
    "SEN Status",
    "Primary Need",
    "FSM",
    "Pupil Premium",
    "EAL",
    "Looked After",
    "Ethnicity",
    "First Language",
    "Date of Admission",
]

SIMS_ROWS = [
    [
        "Adams",
        "Amy",
        "",
        UPNS[0],
        "1001",
        "01/09/2012",
        "F",
        "Year 8",
        "8A",
        "K - SEN Support",
        "SPLD",
        "Yes",
        "Yes",
        "No",
        "No",
        "WBRI",
        "ENG",
        "02/09/2024",
    ],
    [
        "Brown",
        "Benjamin",
        "Ben",
        UPNS[1],
        "1002",
        "14/02/2013",
        "M",
        "Year 7",
        "7B",
        "N - No Special Educational Need",
        "",
        "No",
        "No",
        "No",
        "No",
        "APKN",
        "URD",
        "01/09/2025",
    ],
    [
        "Cole",
        "Cara",
        "",
        UPNS[2],
        "1003",
        "30/03/2011",
        "F",
        "Year 9",
        "9C",
        "E - Education, Health and Care Plan",
        "ASD",
        "No",
        "Yes",
        "No",
        "Yes",
        "WBRI",
        "ENG",
        "03/09/2023",
    ],
    [
        "Đurić",
        "Zoë",
        "",
        UPNS[3],
        "1004",
        "2012-11-05",
        "F",
        "Year 8",
        "8A",
        "N",
        "",
        "No",
        "No",
        "Yes",
        "No",
        "WOTH",
        "SCB",
        "2024-09-02",
    ],
]


def csv_bytes(
    rows: list[list[object]], *, delimiter: str = ",", encoding: str = "utf-8", bom: bool = False
) -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    data = stream.getvalue().encode(encoding)
    return b"\xef\xbb\xbf" + data if bom else data


def xlsx_bytes(
    rows: list[list[object]], *, sheet: str = "Students", title: str | None = None
) -> bytes:
    """A workbook written as Excel writes one: real dates, numbers as numbers."""
    stream = io.BytesIO()
    workbook = xlsxwriter.Workbook(stream, {"in_memory": True})
    worksheet = workbook.add_worksheet(sheet)
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    offset = 0
    if title:
        worksheet.write_string(0, 0, title)
        offset = 2
    for row_index, row in enumerate(rows):
        for column, value in enumerate(row):
            if isinstance(value, dt.date):
                worksheet.write_datetime(row_index + offset, column, value, date_format)
            elif isinstance(value, int | float):
                worksheet.write_number(row_index + offset, column, value)
            elif value not in (None, ""):
                worksheet.write_string(row_index + offset, column, str(value))
    workbook.close()
    return stream.getvalue()


def _element(name: str, value: object) -> str:
    return f"<{name}>{escape(str(value))}</{name}>" if value not in (None, "") else ""


def ctf_pupil(
    upn: str,
    surname: str,
    forename: str,
    dob: str,
    sex: str,
    year: str,
    *,
    ethnicity: str = "WBRI",
    language: str = "ENG",
    in_care: bool | None = False,
    fsm: list[tuple[str, str | None]] | None = None,
    sen: list[tuple[str, str]] | None = None,
    needs: list[str] | None = None,
    attendance: list[tuple[int, int, int]] | None = None,
    entry_date: str | None = None,
    sex_element: str = "Sex",
) -> str:
    """One <Pupil> as an MIS writes it."""
    parts = [
        _element("UPN", upn),
        _element("Surname", surname),
        _element("Forename", forename),
        _element("DOB", dob),
        _element(sex_element, sex),
        "<BasicDetails>",
        _element("NCyearActual", year),
        _element("Ethnicity", ethnicity),
        "<EnrolStatus>C</EnrolStatus>",
        f"<Languages><Type><LanguageType>F</LanguageType>{_element('Language', language)}"
        "</Type></Languages>"
        if language
        else "",
        "<MedicalFlag>false</MedicalFlag>",
        "</BasicDetails>",
    ]
    if in_care is not None:
        parts.append(
            f"<LookedAfter><InCare>{'true' if in_care else 'false'}</InCare></LookedAfter>"
        )
    if fsm is not None:
        parts.append("<FSMhistory><FSMreviewDate>2025-09-01</FSMreviewDate>")
        for start, end in fsm:
            parts.append(
                f"<FSMinstance>{_element('FSMstartDate', start)}{_element('FSMendDate', end)}"
                "<UKcountry>ENG</UKcountry></FSMinstance>"
            )
        parts.append("</FSMhistory>")
    if sen is not None or needs is not None:
        parts.append("<SENhistory>")
        for start, code in sen or []:
            parts.append(
                f"<SEN>{_element('StartDate', start)}{_element('SENprovision', code)}</SEN>"
            )
        if needs:
            parts.append("<SENneeds>")
            for rank, need in enumerate(needs, start=1):
                parts.append(
                    f"<SENneed>{_element('SENtypeRank', rank)}{_element('SENtype', need)}</SENneed>"
                )
            parts.append("</SENneeds>")
        parts.append("</SENhistory>")
    if attendance:
        parts.append("<Attendance>")
        for year_start, possible, attended in attendance:
            authorised = (possible - attended) // 2
            unauthorised = possible - attended - authorised
            parts.append(
                f"<YearData>{_element('Year', year_start)}<LEA>801</LEA><Estab>2000</Estab>"
                f"{_element('SessionsPossible', possible)}"
                f"{_element('SessionsAuthorised', authorised)}"
                f"{_element('SessionsUnauthorised', unauthorised)}"
                "</YearData>"
            )
        parts.append("</Attendance>")
    if entry_date:
        parts.append(
            "<SchoolHistory><School><LEA>801</LEA><Estab>2000</Estab><URN>123456</URN>"
            f"<SchoolName>Oakfield Academy</SchoolName>{_element('EntryDate', entry_date)}"
            "</School></SchoolHistory>"
        )
    return "<Pupil>" + "".join(parts) + "</Pupil>"


def ctf_bytes(
    pupils: list[str],
    *,
    source_urn: str = "123456",
    source_name: str = "Oakfield Academy",
    la: str = "801",
    estab: str = "2000",
    dest_la: str = "801",
    dest_estab: str = "2000",
    date: str = "2025-10-01T09:30:00",
    qualifier: str = "full",
) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<CTfile><Header>'
        "<DocumentName>Common Transfer File</DocumentName><CTFversion>25.0</CTFversion>"
        f"<DateTime>{date}</DateTime><DocumentQualifier>{qualifier}</DocumentQualifier>"
        "<SupplierID>MIS</SupplierID>"
        f"<SourceSchool><LEA>{la}</LEA><Estab>{estab}</Estab><URN>{source_urn}</URN>"
        f"<SchoolName>{escape(source_name)}</SchoolName><AcademicYear>2025</AcademicYear>"
        f"</SourceSchool><DestSchool><LEA>{dest_la}</LEA><Estab>{dest_estab}</Estab></DestSchool>"
        "</Header><CTFpupilData>" + "".join(pupils) + "</CTFpupilData></CTfile>"
    ).encode("utf-8")


def table_counts() -> dict[str, int]:
    """Rows in every table of the apps imports write to."""
    return {
        f"{model._meta.app_label}.{model.__name__}": model.objects.count()
        for label in ("schools", "pupils", "provision", "interchange")
        for model in apps.get_app_config(label).get_models()
    }
