"""Exports read a chunk of runs at a time and written a row at a time: the same sheet, cell
for cell, and the same totals as the export held in memory."""

import csv
import gc
import io
import tempfile
import weakref

import openpyxl
import pytest

from provmap.interchange.exports import (
    StreamedExport,
    map_csv_bytes,
    map_export,
    map_xlsx_bytes,
    stream_export,
    write_export,
)
from provmap.memory import fewer_collections
from provmap.provision.selectors import WholeSchool, map_slice
from provmap.provision.selectors.costed import current_needs
from provmap.pupils.models import PupilNeed
from tests.interchange.maps import build_map
from tests.interchange.test_exports import AS_OF, SPEC, add_calendar_and_pupils

pytestmark = pytest.mark.django_db


@pytest.fixture
def mapped(school):
    pupils = add_calendar_and_pupils(school)
    build_map(school, pupils, SPEC)
    return school, pupils


def written(export: StreamedExport, fmt: str) -> bytes:
    with tempfile.TemporaryFile() as stream:
        write_export(export, fmt, stream)
        stream.seek(0)
        return stream.read()


def cells(data: bytes) -> dict[str, list[tuple[object, ...]]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


@pytest.mark.parametrize("chunk", [1, 2, 200])
@pytest.mark.parametrize("year_group", [None, "8"])
def test_a_streamed_csv_is_the_csv_held_in_memory(mapped, chunk, year_group):
    school, _ = mapped
    expected = map_csv_bytes(map_export(school, as_of=AS_OF, year_group=year_group))
    export = StreamedExport(school, as_of=AS_OF, year_group=year_group, chunk=chunk)
    data = written(export, "csv")
    assert data == expected
    assert export.row_count == len(list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")))))


@pytest.mark.parametrize("chunk", [1, 200])
def test_a_streamed_xlsx_has_the_same_cells_table_and_totals(mapped, chunk):
    school, _ = mapped
    in_memory = map_export(school, as_of=AS_OF)
    export = StreamedExport(school, as_of=AS_OF, chunk=chunk)
    data = written(export, "xlsx")
    assert cells(data) == cells(map_xlsx_bytes(in_memory))
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Map"]
    table = sheet.tables["ProvisionMap"]
    assert table.ref == f"A1:{openpyxl.utils.get_column_letter(sheet.max_column)}{sheet.max_row}"
    assert sheet.freeze_panes == "A2"
    assert sheet.conditional_formatting
    # What the audit trail records: the same rows and pupils.
    assert export.row_count == len(in_memory.rows)
    assert export.pupil_count == in_memory.pupil_count
    assert {pupil.pk for pupil in export.pupils} == {pupil.pk for pupil in in_memory.pupils}


def test_a_streamed_export_reads_a_fixed_number_of_queries_per_chunk(
    mapped, django_assert_num_queries
):
    school, _ = mapped
    export = stream_export(school, as_of=AS_OF)
    runs = len(export.run_ids)
    assert runs > 2
    export.chunk = runs  # one chunk
    # The school's rates, its costs not tied to pupils and its runs' sizes, then a chunk's
    # six (its runs with their details, the placements the user sees).
    with django_assert_num_queries(3 + 6):
        rows = sum(1 for _ in export.iter_rows())
    export = stream_export(school, as_of=AS_OF)
    export.chunk = 1
    with django_assert_num_queries(3 + 6 * runs):
        assert sum(1 for _ in export.iter_rows()) == rows


def test_a_released_chunk_is_freed_without_the_cyclic_garbage_collector(mapped):
    school, pupils = mapped
    PupilNeed.objects.create(school=school, pupil=pupils[0], need_type="SLCN", rank=1)
    part = map_slice(school, WholeSchool(), as_of=AS_OF)
    costed = [item.costed for item in part.runs.items]
    assert any(item.placements for item in costed)
    assert any(current_needs(p.placement.pupil) for item in costed for p in item.placements)
    freed = [weakref.ref(item.run) for item in costed]
    freed += [weakref.ref(p.placement) for item in costed for p in item.placements]
    del costed
    gc.collect()
    gc.disable()
    try:
        part.release()
        del part
        # Reference counting alone freed every run and placement: no cycle was left.
        assert [ref() for ref in freed] == [None] * len(freed)
    finally:
        gc.enable()


def test_fewer_collections_paces_the_collector_and_puts_it_back():
    before = gc.get_threshold()
    with fewer_collections(threshold=max(before[0], 1) * 10):
        assert gc.get_threshold() == (max(before[0], 1) * 10, *before[1:])
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError
    assert gc.get_threshold() == before
