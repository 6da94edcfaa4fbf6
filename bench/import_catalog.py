"""Benchmark ``manage.py import_catalog`` on PostgreSQL: speed and memory.

Run from the project root:

    .venv/bin/python bench/import_catalog.py --records 100000 --format both
    .venv/bin/python bench/import_catalog.py --gigabyte      # a ~1 GB UNIMARC file

It generates ISO 2709 files with pymarc (UNIMARC with 995 copies, MARC 21
with Koha's 952 copies): a few hundred template records are built once from
the demo's real titles, then every record of the file is one of them with
its identifier, ISBN, barcodes and branch codes written in at the byte level
(fixed-width values, so each template's leader and directory stay right).

For each format, on a fresh scratch database (migrated, with 12 branches),
every run is a child process whose RSS is sampled from /proc/<pid>/status
every 0.2 s:

0. baseline: the readers and the mapping alone (this script with
   ``--parse-only``, no database), the floor any import pays;
1. ``manage.py import_catalog FILE --format F`` into the empty catalogue
   (every record and copy created);
2. the same file again (everything unchanged);
3. a second file where one record in ten has a new title, summary and year
   and one record in twenty has its copies moved to another branch.

It prints records/s and copies/s (whole command, start-up included, and the
import's own time as it records it), peak RSS and the RSS at 10, 25, 50,
75 and 100 % of the run, and the ratio of each run's time to the baseline's.
The files are written to /tmp and deleted afterwards; so are the databases.

Targets (issue): at least 2,000 records/s with their copies; memory flat,
under 300 MB for a 1 GB file.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql
from scratch import PROJECT_DIR, SERVER_URL, bench_environment

TARGET_RECORDS_PER_SECOND = 2_000
TARGET_RSS_MIB = 300
GIGABYTE = 1_000_000_000
SAMPLE_SECONDS = 0.2
RSS_POINTS = (0.10, 0.25, 0.50, 0.75, 1.00)
TEMPLATES = 400
BRANCHES = [f"bench{number:02d}" for number in range(1, 13)]
# Fixed-width slots in the templates, replaced record by record.
ID_SLOT = b"QQIDQQQQQQQQ"  # 12: BNC + 9 digits
ISBN_SLOT = b"QQISBNQQQQQQQ"  # 13 digits
BARCODE_SLOT = b"QQBC%dQQQQQQQQQ"  # 14: 12 digits of record + 2 of copy
BRANCH_SLOT = b"QQBR%dQQ"  # 7: BENCH01..BENCH12
SLOTS = re.compile(rb"QQID(Q{8})|QQISBN(Q{7})|QQBC(\d)Q{9}|QQBR(\d)QQ")
SOURCE_TITLES = PROJECT_DIR / "demo" / "data" / "goodbooks10k_books.csv"
WORDS = (
    "histoire",
    "roman",
    "ville",
    "nuit",
    "mer",
    "enfance",
    "guerre",
    "amour",
    "famille",
    "voyage",
    "jardin",
    "secret",
    "lumière",
    "hiver",
    "été",
    "mémoire",
    "silence",
    "frontière",
    "musique",
    "rivière",
    "forêt",
    "village",
    "lettre",
    "femme",
    "homme",
    "enfant",
    "monde",
    "temps",
    "route",
    "maison",
    "île",
    "montagne",
    "chemin",
    "ombre",
    "rêve",
    "départ",
    "retour",
    "parole",
    "regard",
    "destin",
    "exil",
    "terre",
    "ciel",
    "feu",
)
SUBJECTS = [
    ("Roman policier", "Suède"),
    ("Science-fiction", "Anticipation"),
    ("Histoire", "Révolution française"),
    ("Cuisine", "Recettes"),
    ("Jardinage", "Potager"),
    ("Biographie", "XXe siècle"),
    ("Philosophie", "Morale"),
    ("Bande dessinée", "Humour"),
    ("Littérature jeunesse", "Aventure"),
    ("Voyages", "Asie"),
    ("Économie", "Mondialisation"),
    ("Santé", "Nutrition"),
]
PUBLISHERS = [
    "Gallimard",
    "Le Seuil",
    "Flammarion",
    "Albin Michel",
    "Actes Sud",
    "Le Livre de poche",
    "Folio",
    "Grasset",
    "P.O.L",
    "L'École des loisirs",
]


# --- Generating the files --------------------------------------------------


@dataclass
class Template:
    """One record's bytes cut at its slots: literal pieces and slot names between."""

    pieces: list[bytes | tuple[str, int]]
    copies: int


def read_titles(count: int, rng: random.Random) -> list[dict[str, str]]:
    with SOURCE_TITLES.open(encoding="utf-8") as source:
        rows = [row for row in csv.DictReader(source) if row["title"] and row["authors"]]
    return rng.sample(rows, count)


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def template_values(row: dict[str, str], rng: random.Random) -> dict:
    """What a template record says, in both formats' terms."""
    authors = [name.strip() for name in row["authors"].split(",")][:3]
    people = []
    for name in authors:
        forename, _space, surname = name.rpartition(" ")
        people.append((surname or name, forename))
    year = row["original_publication_year"].split(".")[0].lstrip("-") or "2001"
    year = year if len(year) == 4 else "2001"
    subjects = rng.sample(SUBJECTS, rng.randint(1, 3))
    summary = " ".join(sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(3, 8)))
    copies = rng.choices((1, 2, 3, 4), weights=(30, 35, 20, 15))[0]
    return {
        "title": row["original_title"] or row["title"],
        "subtitle": sentence(rng, 3).rstrip(".") if rng.random() < 0.3 else "",
        "people": people,
        "year": year,
        "publisher": rng.choice(PUBLISHERS),
        "pages": str(rng.randint(60, 900)),
        "subjects": subjects,
        "summary": summary,
        "copies": copies,
        # One copy in seven is out on loan in the library system.
        "on_loan": [rng.random() < 1 / 7 for _ in range(copies)],
        "call_number": f"R {people[0][0][:3].upper()}",
    }


def changed_values(values: dict) -> dict:
    """The same record after the library edited it: new title, summary and year."""
    return {
        **values,
        "title": values["title"] + " (nouvelle édition)",
        "summary": "Nouvelle édition revue et augmentée. " + values["summary"],
        "year": str(min(int(values["year"]) + 1, 2025)),
    }


def unimarc_record(values: dict):
    import pymarc
    from pymarc import Field, Indicators, Subfield

    record = pymarc.Record(force_utf8=True, leader="     nam  22     1  4500")
    record.add_field(Field(tag="001", data=ID_SLOT.decode()))
    record.add_field(
        Field(
            "010",
            Indicators(" ", " "),
            [Subfield("a", ISBN_SLOT.decode()), Subfield("d", "19 EUR")],
        )
    )
    record.add_field(
        Field(
            "100",
            Indicators(" ", " "),
            [Subfield("a", f"20240101d{values['year']}    m  y0frey50      ba")],
        )
    )
    record.add_field(Field("101", Indicators("0", " "), [Subfield("a", "fre")]))
    title = [Subfield("a", values["title"])]
    if values["subtitle"]:
        title.append(Subfield("e", values["subtitle"]))
    surname, forename = values["people"][0]
    title.append(Subfield("f", f"{forename} {surname}".strip()))
    record.add_field(Field("200", Indicators("1", " "), title))
    record.add_field(
        Field(
            "210",
            Indicators(" ", " "),
            [
                Subfield("a", "Paris"),
                Subfield("c", values["publisher"]),
                Subfield("d", values["year"]),
            ],
        )
    )
    record.add_field(Field("215", Indicators(" ", " "), [Subfield("a", f"{values['pages']} p.")]))
    record.add_field(Field("330", Indicators(" ", " "), [Subfield("a", values["summary"])]))
    for heading, subdivision in values["subjects"]:
        record.add_field(
            Field("606", Indicators(" ", " "), [Subfield("a", heading), Subfield("x", subdivision)])
        )
    for number, (surname, forename) in enumerate(values["people"]):
        record.add_field(
            Field(
                "700" if number == 0 else "701",
                Indicators(" ", "1"),
                [Subfield("a", surname), Subfield("b", forename), Subfield("4", "070")],
            )
        )
    record.add_field(
        Field("801", Indicators(" ", "0"), [Subfield("a", "FR"), Subfield("b", "BENCH")])
    )
    for number in range(values["copies"]):
        subfields = [
            Subfield("b", (BRANCH_SLOT % number).decode()),
            Subfield("c", (BRANCH_SLOT % number).decode()),
            Subfield("f", (BARCODE_SLOT % number).decode()),
            Subfield("k", values["call_number"]),
            Subfield("r", "LIV"),
        ]
        if values["on_loan"][number]:
            subfields.append(Subfield("n", "20261215"))
        record.add_field(Field("995", Indicators(" ", " "), subfields))
    return record


def marc21_record(values: dict):
    import pymarc
    from pymarc import Field, Indicators, Subfield

    record = pymarc.Record(force_utf8=True, leader="     nam a22     4a 4500")
    record.add_field(Field(tag="001", data=ID_SLOT.decode()))
    record.add_field(Field(tag="008", data=f"240101s{values['year']}    fr            000 1 fre d"))
    record.add_field(Field("020", Indicators(" ", " "), [Subfield("a", ISBN_SLOT.decode())]))
    people = [f"{surname}, {forename}".strip(", ") for surname, forename in values["people"]]
    record.add_field(Field("100", Indicators("1", " "), [Subfield("a", people[0])]))
    title = [Subfield("a", values["title"] + (" :" if values["subtitle"] else " /"))]
    if values["subtitle"]:
        title.append(Subfield("b", values["subtitle"] + " /"))
    title.append(Subfield("c", people[0]))
    record.add_field(Field("245", Indicators("1", "0"), title))
    record.add_field(
        Field(
            "264",
            Indicators(" ", "1"),
            [
                Subfield("a", "Paris :"),
                Subfield("b", values["publisher"] + ","),
                Subfield("c", values["year"]),
            ],
        )
    )
    record.add_field(Field("300", Indicators(" ", " "), [Subfield("a", f"{values['pages']} p.")]))
    record.add_field(Field("520", Indicators(" ", " "), [Subfield("a", values["summary"])]))
    for heading, subdivision in values["subjects"]:
        record.add_field(
            Field("650", Indicators(" ", "0"), [Subfield("a", heading), Subfield("x", subdivision)])
        )
    for person in people[1:]:
        record.add_field(Field("700", Indicators("1", " "), [Subfield("a", person)]))
    record.add_field(Field("942", Indicators(" ", " "), [Subfield("c", "BK")]))
    for number in range(values["copies"]):
        subfields = [
            Subfield("a", (BRANCH_SLOT % number).decode()),
            Subfield("b", (BRANCH_SLOT % number).decode()),
            Subfield("o", values["call_number"]),
            Subfield("p", (BARCODE_SLOT % number).decode()),
            Subfield("y", "BK"),
        ]
        if values["on_loan"][number]:
            subfields.append(Subfield("q", "2026-12-15"))
        record.add_field(Field("952", Indicators(" ", " "), subfields))
    record.add_field(
        Field(
            "999",
            Indicators(" ", " "),
            [Subfield("c", ID_SLOT.decode()), Subfield("d", ID_SLOT.decode())],
        )
    )
    return record


def cut(raw: bytes, copies: int) -> Template:
    pieces: list[bytes | tuple[str, int]] = []
    start = 0
    for match in SLOTS.finditer(raw):
        pieces.append(raw[start : match.start()])
        if match.group(1) is not None:
            pieces.append(("id", 0))
        elif match.group(2) is not None:
            pieces.append(("isbn", 0))
        elif match.group(3) is not None:
            pieces.append(("barcode", int(match.group(3))))
        else:
            pieces.append(("branch", int(match.group(4))))
        start = match.end()
    pieces.append(raw[start:])
    return Template(pieces=pieces, copies=copies)


def build_templates(file_format: str, seed: int) -> tuple[list[Template], list[Template]]:
    """Return the templates as first exported, and as edited (for the changed file)."""
    rng = random.Random(seed)
    build = unimarc_record if file_format == "unimarc" else marc21_record
    originals, edited = [], []
    for row in read_titles(TEMPLATES, rng):
        values = template_values(row, rng)
        originals.append(cut(build(values).as_marc(), values["copies"]))
        edited.append(cut(build(changed_values(values)).as_marc(), values["copies"]))
    return originals, edited


@dataclass
class GeneratedFile:
    path: Path
    records: int
    copies: int
    bytes: int
    seconds: float
    changed: int = 0
    moved_copies: int = 0


def render(template: Template, number: int, shift: int) -> bytes:
    out = []
    for piece in template.pieces:
        if type(piece) is bytes:
            out.append(piece)
            continue
        slot, copy = piece
        if slot == "id":
            out.append(b"BNC%09d" % number)
        elif slot == "isbn":
            out.append(b"978%010d" % number)
        elif slot == "barcode":
            out.append(b"%012d%02d" % (number, copy))
        else:
            out.append(b"BENCH%02d" % ((number + copy * 5 + shift) % len(BRANCHES) + 1))
    return b"".join(out)


def generate(
    path: Path,
    templates: tuple[list[Template], list[Template]],
    *,
    records: int | None = None,
    size: int | None = None,
    edited: bool = False,
) -> GeneratedFile:
    """Write `records` records (or records until `size` bytes) into `path`.

    With `edited`, record numbers ending in 3 come from the edited templates
    (one in ten changed) and those ending in 7 or 17 modulo 20 have their
    copies one branch further (one in twenty moved).
    """
    originals, changed_templates = templates
    count = copies = changed = moved = written = 0
    started = time.perf_counter()
    with path.open("wb", buffering=1 << 20) as out:
        number = 0
        while (records is None or number < records) and (size is None or written < size):
            number += 1
            index = (number * 2_654_435_761) % len(originals)
            template = originals[index]
            shift = 0
            if edited and number % 10 == 3:
                template = changed_templates[index]
                changed += 1
            if edited and number % 20 == 7:
                shift = 1
                moved += template.copies
            raw = render(template, number, shift)
            out.write(raw)
            written += len(raw)
            count += 1
            copies += template.copies
    return GeneratedFile(
        path=path,
        records=count,
        copies=copies,
        bytes=written,
        seconds=time.perf_counter() - started,
        changed=changed,
        moved_copies=moved,
    )


# --- The scratch database --------------------------------------------------


def recreate_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def prepare_database(server: str, name: str, environment: dict[str, str]) -> None:
    """Create, migrate and give the scratch database the branches the files name."""
    recreate_database(server, name)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=PROJECT_DIR,
        env=environment,
        check=True,
    )
    with psycopg.connect(f"{server}/{name}") as connection:
        for number, code in enumerate(BRANCHES, start=1):
            connection.execute(
                "INSERT INTO branches_branch (code, name, address, postcode, city, latitude, "
                "longitude, phone, email, website, click_and_collect_enabled, "
                "accepts_phone_orders, accepts_email_orders, processing_hours, pickup_days, "
                "appointments_enabled, slot_minutes, patrons_per_slot) "
                "VALUES (%s, %s, '1 rue du Bench', '75001', 'Paris', 48.86, 2.34, '', '', '', "
                "true, false, false, 48, 10, false, 15, 2)",
                [code, f"Bibliothèque {number}"],
            )


def checkpoint(database_url: str) -> None:
    """Flush dirty pages now rather than during the next measurement (needs superuser)."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("CHECKPOINT")


def last_import_report(database_url: str) -> dict:
    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT report FROM catalog_catalogimport ORDER BY id DESC LIMIT 1"
        ).fetchone()
    return row[0]


def catalogue_counts(database_url: str) -> tuple[int, int]:
    with psycopg.connect(database_url) as connection:
        records = connection.execute("SELECT count(*) FROM catalog_record").fetchone()[0]
        copies = connection.execute("SELECT count(*) FROM catalog_item").fetchone()[0]
    return records, copies


# --- Running and sampling a child ------------------------------------------


@dataclass
class Run:
    label: str
    seconds: float  # wall time of the child, start-up included
    own_seconds: float  # the import's (or the parse's) own time
    records: int
    copies: int
    samples: list[tuple[float, int]] = field(default_factory=list)  # (seconds, RSS KiB)
    peak_kib: int = 0  # the child's ru_maxrss
    load: float = 0.0
    report: dict = field(default_factory=dict)

    def rss_at(self, share: float) -> int:
        """The RSS sampled nearest after `share` of the run (KiB)."""
        if not self.samples:
            return 0
        moment = share * self.samples[-1][0]
        return next(rss for seconds, rss in self.samples if seconds >= moment - 1e-9)


def rss_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def run_sampled(command: list[str], environment: dict[str, str]) -> tuple[float, list, int, str]:
    """Run a command in the project, sampling its RSS; return time, samples, peak, output."""
    started = time.perf_counter()
    child = subprocess.Popen(
        command,
        cwd=PROJECT_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    samples: list[tuple[float, int]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss = rss_kib(child.pid)
            if rss:
                samples.append((time.perf_counter() - started, rss))
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = child.stdout.read()
    # wait4 gives this child's own peak RSS, which a 0.2 s sample may miss.
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{output}")
    return seconds, samples, usage.ru_maxrss, output


def run_parse_only(path: Path, file_format: str, environment: dict[str, str]) -> Run:
    command = [sys.executable, __file__, "--parse-only", str(path), "--format", file_format]
    seconds, samples, peak, output = run_sampled(command, environment)
    result = json.loads(output.strip().splitlines()[-1])
    return Run(
        label="baseline: readers + mapping, no database",
        seconds=seconds,
        own_seconds=result["seconds"],
        records=result["records"],
        copies=result["copies"],
        samples=samples,
        peak_kib=peak,
        load=os.getloadavg()[0],
    )


def run_import(
    label: str, path: Path, file_format: str, environment: dict[str, str], database_url: str
) -> Run:
    checkpoint(database_url)
    command = [sys.executable, "manage.py", "import_catalog", str(path), "--format", file_format]
    seconds, samples, peak, _output = run_sampled(command, environment)
    report = last_import_report(database_url)
    copies = sum(
        report[name]
        for name in ("copies_created", "copies_moved", "copies_updated", "copies_unchanged")
    )
    return Run(
        label=label,
        seconds=seconds,
        own_seconds=report["seconds"],
        records=report["records_read"],
        copies=copies,
        samples=samples,
        peak_kib=peak,
        load=os.getloadavg()[0],
        report=report,
    )


def parse_only(path: Path, file_format: str) -> None:
    """Read and map every record of the file, as an import does, without a database."""
    from scratch import setup_django

    setup_django({})
    from catalog.imports.formats import Format
    from catalog.imports.reading import CountingReader, read_sources

    records = copies = 0
    started = time.perf_counter()
    with path.open("rb") as stream:
        for source in read_sources(CountingReader(stream), Format(file_format)):
            records += 1
            if source.data is not None:
                copies += len(source.data.copies)
    seconds = time.perf_counter() - started
    print(json.dumps({"records": records, "copies": copies, "seconds": seconds}))


# --- The benchmark ---------------------------------------------------------


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def print_runs(title: str, generated: GeneratedFile, runs: list[Run]) -> None:
    baseline = runs[0]
    print()
    print(
        f"{title}: {generated.records:,} records, {generated.copies:,} copies, "
        f"{generated.bytes / 1e6:,.0f} MB (generated in {generated.seconds:.1f} s)"
    )
    for run in runs:
        print(f"  {run.label}")
        print(
            f"    wall {run.seconds:.1f} s, own {run.own_seconds:.1f} s: "
            f"{run.records / run.own_seconds:,.0f} records/s, "
            f"{run.copies / run.own_seconds:,.0f} copies/s "
            f"(wall: {run.records / run.seconds:,.0f} records/s); "
            f"{run.own_seconds / baseline.own_seconds:.2f} x the baseline's time "
            f"(load average {run.load:.1f})"
        )
        points = ", ".join(f"{share:.0%} {mib(run.rss_at(share))}" for share in RSS_POINTS)
        print(f"    peak RSS {mib(run.peak_kib)}; RSS at {points} ({len(run.samples)} samples)")
        if run.report:
            report = run.report
            errors = {kind: entry["count"] for kind, entry in report["errors"].items()}
            print(
                f"    records: {report['records_created']:,} created, "
                f"{report['records_updated']:,} updated, {report['records_unchanged']:,} same; "
                f"copies: {report['copies_created']:,} created, {report['copies_moved']:,} moved, "
                f"{report['copies_updated']:,} updated, {report['copies_unchanged']:,} same"
                + (f"; errors {errors}" if errors else "")
                + (
                    f"; unknown branches {report['unknown_branches']}"
                    if report["unknown_branches"]
                    else ""
                )
            )
    sys.stdout.flush()


def bench_format(arguments: argparse.Namespace, file_format: str, directory: Path) -> None:
    database = f"{arguments.database}_{file_format}"
    database_url = f"{arguments.server}/{database}"
    environment = bench_environment(arguments.server, database)
    print(f"{file_format}: generating {arguments.records:,} records...", flush=True)
    templates = build_templates(file_format, arguments.seed)
    first = generate(directory / f"{file_format}.mrc", templates, records=arguments.records)
    edited = generate(
        directory / f"{file_format}-edited.mrc", templates, records=arguments.records, edited=True
    )
    print(
        f"  {first.bytes / 1e6:,.0f} MB in {first.seconds:.1f} s; preparing {database}", flush=True
    )
    try:
        prepare_database(arguments.server, database, environment)
        runs = [run_parse_only(first.path, file_format, environment)]
        for label, path in (
            ("(a) first import, empty catalogue", first.path),
            ("(b) same file again, nothing changed", first.path),
            (
                f"(c) {edited.changed:,} records changed, {edited.moved_copies:,} copies moved",
                edited.path,
            ),
        ):
            print(f"  {label}...", flush=True)
            runs.append(run_import(label, path, file_format, environment, database_url))
        records, copies = catalogue_counts(database_url)
        print_runs(
            f"{file_format}, {records:,} records and {copies:,} copies in the catalogue",
            first,
            runs,
        )
    finally:
        if not arguments.keep:
            drop_database(arguments.server, database)
        first.path.unlink(missing_ok=True)
        edited.path.unlink(missing_ok=True)


def bench_gigabyte(arguments: argparse.Namespace, directory: Path) -> None:
    database = f"{arguments.database}_gigabyte"
    database_url = f"{arguments.server}/{database}"
    environment = bench_environment(arguments.server, database)
    print("unimarc: generating ~1 GB...", flush=True)
    templates = build_templates("unimarc", arguments.seed)
    generated = generate(directory / "gigabyte.mrc", templates, size=GIGABYTE)
    print(
        f"  {generated.records:,} records, {generated.bytes / 1e6:,.0f} MB in "
        f"{generated.seconds:.1f} s; preparing {database}",
        flush=True,
    )
    try:
        prepare_database(arguments.server, database, environment)
        print("  baseline...", flush=True)
        runs = [run_parse_only(generated.path, "unimarc", environment)]
        print("  first import...", flush=True)
        runs.append(
            run_import(
                "first import, empty catalogue",
                generated.path,
                "unimarc",
                environment,
                database_url,
            )
        )
        peak = max(run.peak_kib for run in runs[1:])
        print_runs("unimarc, ~1 GB", generated, runs)
        verdict = "met" if peak / 1024 < TARGET_RSS_MIB else "MISSED"
        print(f"  peak RSS {mib(peak)} against {TARGET_RSS_MIB} MB: {verdict}")
    finally:
        if not arguments.keep:
            drop_database(arguments.server, database)
        generated.path.unlink(missing_ok=True)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--format", choices=("unimarc", "marc21", "both"), default="both")
    parser.add_argument("--gigabyte", action="store_true", help="one ~1 GB UNIMARC file instead")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument(
        "--database", default="cc_bench_import", help="prefix of the scratch databases"
    )
    parser.add_argument("--server", default=SERVER_URL, help="PostgreSQL URL without database")
    parser.add_argument("--directory", default=tempfile.gettempdir(), help="where the files go")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--parse-only", metavar="FILE", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    arguments = parse_arguments()
    if arguments.parse_only:
        parse_only(Path(arguments.parse_only), arguments.format)
        return
    print(
        f"{platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    directory = Path(arguments.directory)
    if arguments.gigabyte:
        bench_gigabyte(arguments, directory)
        return
    formats = ("unimarc", "marc21") if arguments.format == "both" else (arguments.format,)
    for file_format in formats:
        bench_format(arguments, file_format, directory)
    print(f"\nTarget: {TARGET_RECORDS_PER_SECOND:,} records/s with their copies (own time).")


if __name__ == "__main__":
    main()
