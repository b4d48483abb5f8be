"""Every file in the bad-input corpus is refused with its exact message, and writes nothing."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from provmap.interchange.files import Upload
from provmap.interchange.map_import import import_map
from provmap.interchange.pupil_import import import_pupils
from provmap.interchange.report import ImportRejected, ImportReport
from provmap.interchange.results_import import import_results
from provmap.schools.models import School
from tests.factories import MeasureFactory, PupilFactory
from tests.interchange import make_corpus
from tests.interchange.samples import table_counts

CORPUS = Path(__file__).parent / "corpus"
CASES = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))["case"]
GENERATORS = {
    "zip_bomb": make_corpus.write_zip_bomb,
    "lying_zip_bomb": make_corpus.write_lying_zip_bomb,
    "oversized_csv": make_corpus.write_oversized_csv,
}


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    for case in CASES:
        if "generated" in case:
            GENERATORS[case["generated"]](folder / case["file"])
    return folder


def _import(importer: str, path: Path, school: School) -> ImportReport:
    try:
        upload = Upload.from_path(path)
    except ImportRejected as rejected:
        report = ImportReport(kind=importer, file_name=path.name)
        report.reject(rejected.problems)
        return report
    as_of = dt.date(2025, 10, 1)
    if importer == "pupils":
        return import_pupils(upload, school=school, as_of=as_of)[0]
    if importer == "map":
        return import_map(upload, school=school, as_of=as_of)
    return import_results(upload, school=school)


def test_every_corpus_file_has_a_case():
    listed = {case["file"] for case in CASES if "generated" not in case}
    present = {path.name for path in CORPUS.iterdir() if path.name != "cases.toml"}

    assert present == listed


def test_the_corpus_stays_small():
    assert sum(path.stat().st_size for path in CORPUS.iterdir()) < 1024 * 1024


def test_the_committed_binary_files_match_their_generator():
    for name, data in make_corpus.binary_cases().items():
        assert (CORPUS / name).read_bytes() == data, name


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_corpus_file_is_refused_with_its_message_and_writes_nothing(
    case: dict[str, object], school: School, generated: Path
):
    PupilFactory(school=school, upn="N801200022001", legal_forename="Amy", surname="Adams")
    PupilFactory(school=school, upn="C801200022002", legal_forename="Ben", surname="Brown")
    MeasureFactory(school=school, name="Reading test")
    folder = generated if "generated" in case else CORPUS
    before = table_counts()

    report = _import(str(case["importer"]), folder / str(case["file"]), school)

    assert report.errors, "the file should have been refused"
    first = report.errors[0]
    assert (first.row, first.column, first.message) == (
        case.get("row"),
        case.get("column", ""),
        case["message"],
    )
    summary = report.as_dict()
    assert summary["rejected"] >= 1
    assert summary["created"] == summary["updated"] == summary["left"] == 0
    assert table_counts() == before
