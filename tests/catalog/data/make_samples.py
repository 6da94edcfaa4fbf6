"""Write the small catalogue files the import tests read.

Run from the project root: ``.venv/bin/python tests/catalog/data/make_samples.py``.
The output is committed; run it again only to change a sample, and commit
both. Branch codes used: ``HAVEL`` and ``CABANIS`` (a branch's own code,
matched case-insensitively) in UNIMARC and CSV files, ``HAV`` and ``CAB``
(library system codes, mapped in the tests) in the Koha MARC 21 files.
"""

import io
from pathlib import Path

import pymarc
from pymarc import Field, Indicators, Record, Subfield

HERE = Path(__file__).resolve().parent
BLANK = Indicators(" ", " ")


def field(tag: str, *pairs: str, indicators: Indicators = BLANK) -> Field:
    """A data field from ("a", "value", "b", "value"...)."""
    subfields = [Subfield(code, value) for code, value in zip(pairs[::2], pairs[1::2], strict=True)]
    return Field(tag=tag, indicators=indicators, subfields=subfields)


def control(tag: str, data: str) -> Field:
    return Field(tag=tag, data=data)


def record(leader: str, *fields: Field) -> Record:
    built = Record(leader=leader, force_utf8=True)
    built.add_field(*fields)
    return built


def unimarc(
    identifier: str,
    title: str | None,
    *copies: Field,
    type_and_level: str = "am",
    extra: tuple[Field, ...] = (),
) -> Record:
    """A UNIMARC record with its 995 copies; ``title=None`` leaves out field 200."""
    fields = [
        control("001", identifier),
        field("100", "a", "20240115d2019    m  y0frey50      ba"),
        field("101", "a", "fre", indicators=Indicators("0", " ")),
    ]
    if title is not None:
        fields.append(field("200", "a", title, indicators=Indicators("1", " ")))
    fields.extend(extra)
    fields.extend(copies)
    return record(f"     n{type_and_level}0 22     i 4500", *fields)


def copy_995(barcode: str, branch: str, call_number: str = "", **flags: str) -> Field:
    pairs = ["f", barcode, "c", branch]
    if call_number:
        pairs += ["k", call_number]
    for code, value in flags.items():
        pairs += [code.removeprefix("s"), value]
    return field("995", *pairs)


def unimarc_995_records() -> list[Record]:
    """Four records, seven copies, two branches: a book, a CD, a DVD, a periodical."""
    book = record(
        "     nam0 22     i 4500",
        control("001", "U0001"),
        field("010", "a", "978-2-07-061275-8", "d", "8,70 EUR"),
        field("100", "a", "20240115d1999    m  y0frey50      ba"),
        field("101", "a", "fre", indicators=Indicators("0", " ")),
        field(
            "200",
            "a",
            "Le petit prince",
            "e",
            "avec des aquarelles de l'auteur",
            "f",
            "Antoine de Saint-Exupéry",
            indicators=Indicators("1", " "),
        ),
        field("210", "a", "Paris", "c", "Gallimard", "d", "DL 1999"),
        field("330", "a", "Un aviateur rencontre dans le désert un petit prince."),
        field("606", "a", "Contes philosophiques", "y", "France", "z", "20e siècle"),
        field("700", "a", "Saint-Exupéry", "b", "Antoine de", "4", "070"),
        field("702", "a", "Dupont", "b", "Jeanne", "4", "440"),
        copy_995("U0001-1", "HAVEL", "R SAI"),
        copy_995("U0001-2", "CABANIS", "R SAI"),
        # On loan: the due date is set.
        copy_995("U0001-3", "HAVEL", "R SAI", sn="20260701"),
    )
    cd = record(
        "     njm0 22     i 4500",
        control("001", "U0002"),
        field("073", "a", "5099750442227", indicators=Indicators("1", " ")),
        field("100", "a", "20240115d1959    m  y0engy50      ba"),
        field("101", "a", "ENG", indicators=Indicators("0", " ")),
        field("200", "a", "Kind of blue", indicators=Indicators("1", " ")),
        field("210", "c", "Columbia", "d", "P 1959"),
        field("700", "a", "Davis", "b", "Miles", "4", "590"),
        copy_995("U0002-1", "HAVEL", "JAZ DAV"),
        # Lost.
        copy_995("U0002-2", "cabanis", "JAZ DAV", s2="1"),
    )
    dvd = record(
        "     ngm0 22     i 4500",
        control("001", "U0003"),
        field("100", "a", "20240115d2001    m  y0frey50      ba"),
        field("101", "a", "fre", indicators=Indicators("0", " ")),
        field("200", "a", "Le voyage de Chihiro", indicators=Indicators("1", " ")),
        field("214", "c", "Buena Vista", "d", "2002"),
        field("701", "a", "Miyazaki", "b", "Hayao"),
        # Not for loan (995 $o, circulation type).
        copy_995("U0003-1", "CABANIS", "F MIY", so="1"),
    )
    periodical = record(
        "     nas0 22     i 4500",
        control("001", "U0004"),
        field("100", "a", "20240115a18291944u  y0frey50      ba"),
        field("101", "a", "fre", indicators=Indicators("0", " ")),
        field("200", "a", "Revue des deux mondes", indicators=Indicators("1", " ")),
        copy_995("U0004-1", "HAVEL", "PER REV"),
    )
    return [book, cd, dvd, periodical]


def koha(biblionumber: str, title: str, *copies: Field, extra: tuple[Field, ...] = ()) -> Record:
    return record(
        "     nam a22     7a 4500",
        control("001", f"ocm{biblionumber}"),
        control("008", "120315s2012    fr            000 1 fre d"),
        field("245", "a", title, indicators=Indicators("1", "0")),
        *extra,
        *copies,
        field("999", "c", biblionumber, "d", biblionumber),
    )


def copy_952(barcode: str, home: str, holding: str = "", call_number: str = "", **flags):
    pairs = ["p", barcode, "a", home]
    if holding:
        pairs += ["b", holding]
    if call_number:
        pairs += ["o", call_number]
    for code, value in flags.items():
        pairs += [code.removeprefix("s"), value]
    return field("952", *pairs)


def koha_records() -> list[Record]:
    """Three Koha MARC 21 records with 952 copies at HAV and CAB."""
    dune = record(
        "     nam a22     7a 4500",
        control("001", "ocm0101"),
        control("008", "120315s2012    fr            000 1 fre d"),
        field("020", "a", "9782266233200 (poche)"),
        field("100", "a", "Herbert, Frank,", "d", "1920-1986.", indicators=Indicators("1", " ")),
        field("245", "a", "Dune /", "c", "Frank Herbert.", indicators=Indicators("1", "0")),
        field("264", "a", "Paris :", "b", "Pocket,", "c", "2012.", indicators=Indicators(" ", "1")),
        field("520", "a", "Sur Arrakis, la planète des sables,", "b", "l'épice est reine."),
        field("650", "a", "Science-fiction", "x", "Romans", indicators=Indicators(" ", "4")),
        field("700", "a", "Guy, Michel,", "e", "traducteur.", indicators=Indicators("1", " ")),
        copy_952("K0101-1", "HAV", "HAV", "SF HER"),
        # Home branch only: the holding branch ($b) is not given.
        copy_952("K0101-2", "CAB", "", "SF HER"),
        # Damaged.
        copy_952("K0101-3", "HAV", "CAB", "SF HER", s4="1"),
        field("999", "c", "101", "d", "101"),
    )
    album = record(
        "     njm a22     7a 4500",
        control("001", "ocm0102"),
        control("008", "150101s2015    fr ppn         n    fre d"),
        field("024", "a", "0602547202963", indicators=Indicators("3", " ")),
        field("245", "a", "Racine carrée", indicators=Indicators("1", "0")),
        field("260", "b", "Mosaert,", "c", "p2015."),
        field("100", "a", "Stromae.", indicators=Indicators("0", " ")),
        copy_952("K0102-1", "CAB", "CAB", "CHA STR"),
        # Out on loan: the due date is set.
        copy_952("K0102-2", "HAV", "HAV", "CHA STR", sq="2026-07-01"),
        field("999", "c", "102", "d", "102"),
    )
    film = record(
        "     ngm a22     7a 4500",
        control("001", "ocm0103"),
        control("008", "060101s2006    fr 102            vlfre d"),
        field("041", "a", "fre"),
        field("245", "a", "Le labyrinthe de Pan", indicators=Indicators("1", "3")),
        # Not for loan.
        copy_952("K0103-1", "CAB", "CAB", "F DEL", s7="1"),
        field("999", "c", "103", "d", "103"),
    )
    return [dune, album, film]


def iso2709(records: list[Record]) -> bytes:
    return b"".join(item.as_marc() for item in records)


def marcxml(records: list[Record]) -> bytes:
    buffer = io.BytesIO()
    writer = pymarc.XMLWriter(buffer)
    for item in records:
        writer.write(item)
    writer.close(close_fh=False)
    return buffer.getvalue()


def unimarc_xml_without_namespace(records: list[Record]) -> bytes:
    """UNIMARC in ``<collection><record>`` without namespace, as some exports write it."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<collection>"]
    for item in records:
        lines.append("<record>")
        lines.append(f"<leader>{item.leader}</leader>")
        for each in item.fields:
            if each.is_control_field():
                lines.append(f'<controlfield tag="{each.tag}">{escape(each.data)}</controlfield>')
                continue
            lines.append(
                f'<datafield tag="{each.tag}" ind1="{each.indicator1}" ind2="{each.indicator2}">'
            )
            for sub in each.subfields:
                lines.append(f'<subfield code="{sub.code}">{escape(sub.value)}</subfield>')
            lines.append("</datafield>")
        lines.append("</record>")
    lines.append("</collection>")
    return ("\n".join(lines) + "\n").encode()


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


CSV_ROWS = [
    # record_id, title, creators, year, isbn, document_type, barcode, branch, call_number, status
    [
        "C1",
        "Le petit prince",
        "Saint-Exupéry, Antoine de",
        "1999",
        "978-2-07-061275-8",
        "book",
        "C1-1",
        "HAVEL",
        "R SAI",
        "available",
    ],
    [
        "C1",
        "Le petit prince",
        "Saint-Exupéry, Antoine de",
        "1999",
        "978-2-07-061275-8",
        "book",
        "C1-2",
        "CABANIS",
        "R SAI",
        "en prêt",
    ],
    ["C2", "Kind of blue", "Davis, Miles", "1959", "", "cd", "C2-1", "CABANIS", "JAZ DAV", ""],
    ["C3", "Un livre sans exemplaire", "", "2020", "", "", "", "", "", ""],
]
CSV_HEADER = [
    "record_id", "title", "creators", "year", "isbn", "document_type",
    "barcode", "branch", "call_number", "status",
]  # fmt: skip


def csv_text(delimiter: str, rows: list[list[str]] = CSV_ROWS) -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def three_unimarc() -> list[Record]:
    return [
        unimarc("B1", "Premier", copy_995("B1-1", "HAVEL")),
        unimarc("B2", "Deuxième", copy_995("B2-1", "HAVEL")),
        unimarc("B3", "Troisième", copy_995("B3-1", "CABANIS")),
    ]


def previous(n: int) -> str:
    return f"&lol{n - 1};" if n > 1 else "&lol;"


def bad_files() -> dict[str, bytes]:
    first, second, third = (item.as_marc() for item in three_unimarc())
    files = {
        # Record 2 cut in its middle, terminator lost: record 3 follows at once.
        "bad_truncated_middle.mrc": first + second[: len(second) // 2] + third,
        # The last record cut in its middle (the export stopped).
        "bad_truncated_end.mrc": first + third + second[: len(second) // 2],
        # Record 2's leader is not a leader.
        "bad_wrong_leader.mrc": first + b"XXXXXnam0 22XXXXX i 4500" + second[24:] + third,
    }
    # Record 2's title holds bytes that are not UTF-8 (same length: the directory holds).
    broken = second.replace("Deuxième".encode(), b"Deuxi\xe8me\xff")
    assert len(broken) == len(second)
    files["bad_broken_utf8.mrc"] = first + broken + third
    files["bad_no_title.mrc"] = iso2709(
        [
            unimarc("T1", "Avec un titre", copy_995("T1-1", "HAVEL")),
            unimarc("T2", None, copy_995("T2-1", "HAVEL")),
            unimarc("T3", "Avec un titre aussi", copy_995("T3-1", "CABANIS")),
        ]
    )
    files["bad_duplicate_barcode.mrc"] = iso2709(
        [
            unimarc("D1", "Le premier à avoir ce code-barres", copy_995("DUP-1", "HAVEL")),
            unimarc(
                "D2",
                "Le second, qui le reprend",
                copy_995("DUP-1", "CABANIS"),
                copy_995("D2-2", "CABANIS"),
            ),
        ]
    )
    files["bad_duplicate_record.mrc"] = iso2709(
        [
            unimarc("R1", "La première version", copy_995("R1-1", "HAVEL")),
            unimarc("R1", "La seconde version", copy_995("R1-2", "CABANIS")),
            unimarc("R2", "Un autre", copy_995("R2-1", "CABANIS")),
        ]
    )
    long_summary = "Un résumé interminable. " * 1700  # 40,800 characters
    files["bad_long_field.xml"] = marcxml(
        [
            koha("201", "Court", copy_952("L1-1", "HAV")),
            koha(
                "202",
                "Avec un résumé démesuré",
                copy_952("L2-1", "HAV"),
                extra=(field("520", "a", long_summary),),
            ),
            koha("203", "Court aussi", copy_952("L3-1", "CAB")),
        ]
    )
    files["bad_long_field.csv"] = (
        "record_id;title;summary;barcode;branch\r\n"
        "L1;Court;;L1-1;HAVEL\r\n"
        f"L2;Avec un résumé démesuré;{long_summary};L2-1;HAVEL\r\n"
        "L3;Court aussi;;L3-1;CABANIS\r\n"
    ).encode()
    good_xml = marcxml([koha("301", "Avant la bombe", copy_952("X1-1", "HAV"))]).decode()
    # Each entity is ten of the one before: lol9 would expand to a billion "lol".
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{n} "{previous(n) * 10}">' for n in range(1, 10)
    ]
    doctype = "<!DOCTYPE collection [\n " + "\n ".join(entities) + "\n]>\n"
    bomb = good_xml.replace("<collection", doctype + "<collection", 1)
    files["bad_xml_bomb.xml"] = bomb.replace("Avant la bombe", "&lol9;").encode()
    broken_xml = marcxml(
        [
            koha("401", "Avant la casse", copy_952("M1-1", "HAV")),
            koha("402", "CASSE", copy_952("M2-1", "HAV")),
            koha("403", "Après la casse", copy_952("M3-1", "CAB")),
        ]
    ).decode()
    # Record 2's title element is never closed: the XML breaks there.
    files["bad_xml_broken_midway.xml"] = broken_xml.replace(
        '<subfield code="a">CASSE</subfield>', '<subfield code="a">CASSE</datafield>'
    ).encode()
    assert files["bad_xml_broken_midway.xml"] != broken_xml.encode()
    files["not_a_catalogue.png"] = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
        + bytes(range(256))
    )
    files["not_a_catalogue.txt"] = (
        "Liste des nouveautés de mars\n\nLe petit prince ; Dune ; Racine carrée\n".encode()
    )
    return files


def main() -> None:
    files = {
        "unimarc_995.mrc": iso2709(unimarc_995_records()),
        "koha_marc21_952.mrc": iso2709(koha_records()),
        "marc21_slim.xml": marcxml(koha_records()),
        "unimarc_no_namespace.xml": unimarc_xml_without_namespace(unimarc_995_records()),
        "catalogue_semicolon.csv": csv_text(";"),
        "catalogue_comma.csv": csv_text(","),
        **bad_files(),
    }
    for name, content in sorted(files.items()):
        (HERE / name).write_bytes(content)
        print(f"{name}: {len(content):,} bytes")


if __name__ == "__main__":
    main()
