"""Benchmarks of the MIS files a school imports: a whole-school CTF of 2,000 pupils and a
student list of 30,000, each imported into a fresh school; the time taken and the peak memory
of the process, on SQLite and (when BENCH_POSTGRES_URL names an empty database) PostgreSQL.
Run with `python -m bench.mis_files`; it prints the rows of the table in docs/benchmarks.md.

Each measurement runs in a process of its own (`python -m bench.mis_files CASE URL`), so that
its peak memory (the operating system's maximum resident size) is its own.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CTF_PUPILS = int(os.environ.get("BENCH_CTF_PUPILS", "2000"))
LIST_PUPILS = int(os.environ.get("BENCH_IMPORT_PUPILS", "30000"))


def _ctf(path: Path, count: int) -> Path:
    """A school's own CTF of `count` pupils, each with the parts a CTF carries for most
    pupils: basic details, first language, FSM, SEN history and needs, attendance for two
    school years and their school history."""
    from provmap.pupils.upn import make_upn

    with path.open("w", encoding="utf-8") as stream:
        stream.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<CTfile><Header>'
            "<DocumentName>Common Transfer File</DocumentName><CTFversion>25.0</CTFversion>"
            "<DateTime>2025-10-01T09:30:00+01:00</DateTime>"
            "<DocumentQualifier>full</DocumentQualifier><SupplierID>MIS</SupplierID>"
            "<SourceSchool><LEA>801</LEA><Estab>4000</Estab><URN>990001</URN>"
            "<SchoolName>Bench Academy</SchoolName><AcademicYear>2025</AcademicYear>"
            "</SourceSchool><DestSchool><LEA>801</LEA><Estab>4000</Estab></DestSchool>"
            "</Header><CTFpupilData>"
        )
        for number in range(count):
            year = 7 + number % 5
            sen = number % 10 == 4
            stream.write(
                f"<Pupil><UPN>{make_upn('801', '4000', number // 1000, number % 1000)}</UPN>"
                f"<Surname>Surname{number}</Surname><Forename>Forename{number}</Forename>"
                f"<DOB>{2025 - year - 5}-{1 + number % 12:02d}-{1 + number % 28:02d}</DOB>"
                f"<Sex>{'F' if number % 2 else 'M'}</Sex><BasicDetails>"
                f"<PreferredForename>Name{number}</PreferredForename>"
                f"<NCyearActual>{year}</NCyearActual><Ethnicity>WBRI</Ethnicity>"
                "<Languages><Type><LanguageType>F</LanguageType><Language>ENG</Language>"
                "</Type></Languages></BasicDetails>"
                "<LookedAfter><InCare>false</InCare></LookedAfter>"
                "<FSMhistory><FSMinstance><FSMstartDate>2022-09-01</FSMstartDate>"
                "</FSMinstance></FSMhistory>"
                + (
                    "<SENhistory><SEN><StartDate>2021-09-01</StartDate><EndDate>2022-07-20"
                    "</EndDate><SENprovision>K</SENprovision></SEN><SEN><StartDate>2023-01-09"
                    "</StartDate><SENprovision>K</SENprovision></SEN><SENneeds><SENneed>"
                    "<SENtypeRank>1</SENtypeRank><SENtype>SPLD</SENtype></SENneed></SENneeds>"
                    "</SENhistory>"
                    if sen
                    else ""
                )
                + "<Attendance><YearData><Year>2024</Year><SessionsPossible>380"
                "</SessionsPossible><SessionsAttended>360</SessionsAttended></YearData>"
                "<YearData><Year>2025</Year><SessionsPossible>40</SessionsPossible>"
                "<SessionsAttended>39</SessionsAttended></YearData></Attendance>"
                "<SchoolHistory><School><LEA>801</LEA><Estab>4000</Estab><URN>990001</URN>"
                "<EntryDate>2020-09-03</EntryDate></School></SchoolHistory></Pupil>"
            )
        stream.write("</CTFpupilData></CTfile>")
    return path


def _measure(case: str, database: str) -> None:
    """One import into a fresh database; prints seconds, peak megabytes and the file's size."""
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "provmap.test_settings")
    import django

    django.setup()
    from django.core.management import call_command

    from bench.run import _student_list
    from provmap.interchange.files import Upload
    from provmap.interchange.pupil_import import NewSchool, import_pupils
    from provmap.schools.scoping import all_schools

    call_command("migrate", verbosity=0)
    folder = Path(tempfile.mkdtemp(prefix="provmap-bench-mis-"))
    if case == "ctf":
        path, count = _ctf(folder / "school.xml", CTF_PUPILS), CTF_PUPILS
    else:
        path, count = _student_list(folder, LIST_PUPILS), LIST_PUPILS
    upload = Upload.from_path(path)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    before, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    with all_schools():  # as the import_pupils command runs
        report, _ = import_pupils(
            upload, school=None, new_school=NewSchool(urn="990001", name="Bench Academy")
        )
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu
    assert report.applied and report.count("created") == count, report.errors[:3]
    size = path.stat().st_size / 1024 / 1024
    print(seconds, cpu, peak / 1024, (peak - before) / 1024, size)


def _run(case: str, database: str) -> list[float]:
    output = subprocess.run(
        [sys.executable, "-m", "bench.mis_files", case, database],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [float(part) for part in output.split()]


def main() -> None:
    if len(sys.argv) == 3:
        _measure(sys.argv[1], sys.argv[2])
        return
    databases = {"SQLite": f"sqlite:///{tempfile.mkdtemp(prefix='provmap-bench-')}/db.sqlite3"}
    if os.environ.get("BENCH_POSTGRES_URL"):
        databases["PostgreSQL"] = os.environ["BENCH_POSTGRES_URL"]
    print(
        "| file | database | time | of which this process's CPU | peak memory of the process "
        "| rise during the import |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for case, what in (
        ("ctf", f"CTF of {CTF_PUPILS:,} pupils"),
        ("list", f"CSV student list of {LIST_PUPILS:,} pupils"),
    ):
        for name, url in databases.items():
            if name == "SQLite":
                url = f"sqlite:///{tempfile.mkdtemp(prefix='provmap-bench-')}/db.sqlite3"
            seconds, cpu, peak, rise, size = _run(case, url)
            print(
                f"| {what} ({size:.1f} MB) | {name} | {seconds:.1f} s | {cpu:.1f} s | "
                f"{peak:.0f} MB | {rise:.0f} MB |"
            )
            if name == "PostgreSQL":
                _reset_postgres(url)


def _reset_postgres(url: str) -> None:
    """Empty the PostgreSQL database again for the next case."""
    os.environ["DATABASE_URL"] = url
    subprocess.run(
        ["psql", url, "-q", "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"],
        check=True,
        capture_output=True,
    )


if __name__ == "__main__":
    main()
