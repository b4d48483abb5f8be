"""Exports at trust scale: the time and peak memory of exporting N rows of one school's map.

    DATABASE_URL=postgres://... python -m bench.exports 225000 [ways...]

builds (once) a school with N placements (100 pupils in each of N/100 runs, by bulk_create),
then exports its whole map in a fresh process per measure, so that each process's peak
resident memory (VmHWM on Linux, see `_peak_kb`) is that measure's alone. The ways:
"memory-xlsx" and "memory-csv" (the export held in memory: `map_export` and the writer's
bytes, as before streaming), "stream-xlsx" and "stream-csv" (`stream_export` written row by
row to a file).
Each prints one JSON line: rows, wall and CPU seconds, peak MB.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

URN = "990777"
PER_RUN = 100
WAYS = ("stream-xlsx", "stream-csv", "memory-xlsx", "memory-csv")


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "provmap.test_settings")
    import django

    django.setup()


def build(rows: int) -> None:
    """A school of `rows` placements (skipped when it is there already with as many)."""
    from django.core.management import call_command
    from django.db import connection

    from provmap.provision.models import Placement, Provision, ProvisionRun, RunStaff
    from provmap.pupils.models import Pupil
    from provmap.pupils.upn import make_upn
    from provmap.schools.models import AcademicYear, School, StaffMember, Term
    from provmap.schools.scoping import all_schools

    call_command("migrate", verbosity=0)
    with all_schools():
        school = School.objects.filter(urn=URN).first()
        if school is not None:
            if Placement.objects.filter(school=school).count() == rows:
                return
            Placement.objects.filter(school=school).delete()
            RunStaff.objects.filter(run__school=school).delete()
            ProvisionRun.objects.filter(school=school).delete()
        else:
            school = School.objects.create(
                urn=URN, name="Export Bench Academy", phase="secondary", la_code="886"
            )
        year, _ = AcademicYear.objects.get_or_create(
            school=school,
            name="2025-26",
            defaults={
                "start_date": dt.date(2025, 9, 1),
                "end_date": dt.date(2026, 7, 22),
                "weeks": Decimal(38),
            },
        )
        term, _ = Term.objects.get_or_create(
            school=school,
            academic_year=year,
            number=1,
            defaults={
                "name": "Autumn",
                "start_date": dt.date(2025, 9, 1),
                "end_date": dt.date(2025, 12, 19),
                "weeks": Decimal(14),
            },
        )
        provision, _ = Provision.objects.get_or_create(
            school=school,
            name="Reading catch-up",
            defaults={
                "wave": 2,
                "provision_type": "group",
                "sessions_per_week": Decimal(3),
                "minutes_per_session": 30,
                "usual_weeks": 10,
            },
        )
        staff, _ = StaffMember.objects.get_or_create(
            school=school,
            name="Bench TA",
            defaults={"role": "ta", "hourly_rate": Decimal(20), "contracted_hours": Decimal(32)},
        )
        pupil_count = 2500
        have = Pupil.objects.filter(school=school).count()
        Pupil.objects.bulk_create(
            Pupil(
                school=school,
                upn=make_upn("886", "4001", 20 + n // 1000, n % 1000),
                legal_forename=f"Pupil{n}",
                surname=f"Surname{n:05d}",
                date_of_birth=dt.date(2012, 5, 1),
                sex="F" if n % 2 else "M",
                nc_year=str(7 + n % 5),
                form=f"{7 + n % 5}A",
                on_roll_from=dt.date(2025, 9, 1),
            )
            for n in range(have, pupil_count)
        )
        pupils = list(
            Pupil.objects.filter(school=school).order_by("pk").values_list("pk", flat=True)
        )
        runs = ProvisionRun.objects.bulk_create(
            ProvisionRun(
                school=school,
                provision=provision,
                academic_year=year,
                term=term,
                label=f"Group {number:05d}",
                start_date=dt.date(2025, 9, 8),
                end_date=dt.date(2025, 12, 12),
                sessions_per_week=Decimal(3),
                minutes_per_session=30,
                weeks=Decimal(10),
                lead_staff=staff,
            )
            for number in range(rows // PER_RUN)
        )
        RunStaff.objects.bulk_create(RunStaff(school=school, run=run, staff=staff) for run in runs)
        batch: list[Placement] = []
        for index, run in enumerate(runs):
            for k in range(PER_RUN):
                batch.append(
                    Placement(
                        school=school,
                        run=run,
                        pupil_id=pupils[(index * PER_RUN + k) % len(pupils)],
                        start_date=run.start_date,
                        status=Placement.Status.ACTIVE,
                    )
                )
            if len(batch) >= 20000:
                Placement.objects.bulk_create(batch)
                batch = []
        Placement.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        # Fresh rows have no statistics yet: the planner would guess.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def measure(way: str) -> dict[str, object]:
    """Export the bench school's whole map one way; what it took."""
    from provmap.interchange.exports import (
        map_csv_bytes,
        map_export,
        map_xlsx_bytes,
        stream_export,
        write_export,
    )
    from provmap.schools.models import School
    from provmap.schools.scoping import school_scope

    school = School.objects.get(urn=URN)
    wall, cpu = time.perf_counter(), time.process_time()
    with school_scope(school):
        kind, fmt = way.split("-")
        if kind == "memory":
            export = map_export(school)
            data = map_xlsx_bytes(export) if fmt == "xlsx" else map_csv_bytes(export)
            rows, size = len(export.rows), len(data)
        else:
            streamed = stream_export(school)
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / f"map.{fmt}"
                write_export(streamed, fmt, str(path))
                rows, size = streamed.row_count, path.stat().st_size
    return {
        "way": way,
        "rows": rows,
        "wall_s": round(time.perf_counter() - wall, 1),
        "cpu_s": round(time.process_time() - cpu, 1),
        "peak_mb": round(_peak_kb() / 1024),
        "file_mb": round(size / 1024 / 1024, 1),
    }


def _peak_kb() -> int:
    """This process's peak resident memory in KB. On Linux from /proc (VmHWM), which starts
    afresh when a process runs a new program: ru_maxrss is kept across fork and exec, so a
    measure started by a parent that grew (the benchmark, after building a trust) would be
    given the parent's peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run(rows: int, ways: tuple[str, ...] = WAYS) -> list[dict[str, object]]:
    """Build the school, then each way in a process of its own. The build runs in a process
    of its own too: on Linux a child starts with its parent's peak memory (ru_maxrss is kept
    across fork and exec), so a parent grown by the build would overstate every measure."""
    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        [sys.executable, "-m", "bench.exports", "--build", str(rows)],
        check=True,
        env=os.environ.copy(),
        cwd=root,
    )
    results = []
    for way in ways:
        out = subprocess.run(
            [sys.executable, "-m", "bench.exports", "--measure", way],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ.copy(),
            cwd=Path(__file__).resolve().parent.parent,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), flush=True)
    return results


def table_rows(rows: int, baseline_rows: int) -> list[tuple[str, str, str]]:
    """The benchmark's rows (bench/run.py): each format streamed at `rows` rows, against the
    export held in memory (as before streaming) at `baseline_rows` (at `rows` it takes
    gigabytes), per row."""
    before = {item["way"]: item for item in run(baseline_rows, ("memory-xlsx", "memory-csv"))}
    small = {item["way"]: item for item in run(baseline_rows, ("stream-xlsx", "stream-csv"))}
    after = {item["way"]: item for item in run(rows, ("stream-xlsx", "stream-csv"))}
    lines = []
    for fmt in ("xlsx", "csv"):
        now, base, same = after[f"stream-{fmt}"], before[f"memory-{fmt}"], small[f"stream-{fmt}"]
        lines.append(
            (
                f"Whole map of {now['rows']:,} rows exported as {fmt.upper()}, streamed "
                "(`stream_export` + `write_export` to a file; goal <= 30 s, <= 300 MB)",
                f"{now['wall_s']} s (CPU {now['cpu_s']} s)",
                f"peak {now['peak_mb']} MB, {now['file_mb']} MB file; at {same['rows']:,} rows "
                f"{same['peak_mb']} MB streamed against {base['peak_mb']} MB held in memory "
                f"(CPU {same['cpu_s']} s against {base['cpu_s']} s, ratio "
                f"{float(str(same['cpu_s'])) / max(float(str(base['cpu_s'])), 0.1):.2f})",
            )
        )
    return lines


if __name__ == "__main__":
    _setup()
    if sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2])))
    elif sys.argv[1] == "--build":
        build(int(sys.argv[2]))
    else:
        run(int(sys.argv[1]), tuple(sys.argv[2:]) or WAYS)
