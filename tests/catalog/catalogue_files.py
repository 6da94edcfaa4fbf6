"""Tiny catalogue files for the tests of the import's admin, tasks and browser journey."""

from pymarc import Field, Indicators, Record, Subfield

# Two books, three copies: what the tests expect an import of `unimarc_bytes()` to write.
BOOKS = [
    ("T0001", "Le petit prince", [("T0001-1", "R SAI"), ("T0001-2", "R SAI")]),
    ("T0002", "Vendredi ou la vie sauvage", [("T0002-1", "R TOU")]),
]
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def unimarc_record(identifier: str, title: str, copies, branch_code: str) -> Record:
    """A UNIMARC book: 001 identifier, 200 $a title, one 995 per (barcode, call number)."""
    record = Record(leader="     nam0 22     i 4500", force_utf8=True)
    record.add_field(Field(tag="001", data=identifier))
    record.add_field(
        Field(tag="200", indicators=Indicators("1", " "), subfields=[Subfield("a", title)])
    )
    for barcode, call_number in copies:
        record.add_field(
            Field(
                tag="995",
                indicators=Indicators(" ", " "),
                subfields=[
                    Subfield("f", barcode),
                    Subfield("c", branch_code),
                    Subfield("k", call_number),
                ],
            )
        )
    return record


def unimarc_bytes(branch_code: str, books=BOOKS) -> bytes:
    """An ISO 2709 UNIMARC file of `books`, their copies at the branch of that code."""
    return b"".join(
        unimarc_record(identifier, title, copies, branch_code).as_marc()
        for identifier, title, copies in books
    )
