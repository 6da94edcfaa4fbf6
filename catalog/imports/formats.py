"""The formats a catalogue file may come in, and how to tell them apart."""

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

from .csv_file import looks_like_catalogue_csv

# Enough of a file to see its XML root or CSV header, or its first MARC records.
SNIFF_BYTES = 64 * 1024
# The first records of a MARC file vote for its flavour.
FLAVOUR_VOTERS = 20


class Format(models.TextChoices):
    UNIMARC = "unimarc", _("UNIMARC (ISO 2709)")
    MARC21 = "marc21", _("MARC 21 (ISO 2709)")
    MARCXML = "marcxml", _("MARCXML")
    CSV = "csv", _("CSV")


class NotACatalogueFile(Exception):
    """The file is not MARC, MARCXML or a CSV with the expected header."""


# Record length; status, type of record and level (letters, or blank as some Koha
# records have them); two coded positions; the indicator and subfield counts; the
# base address of the data.
ISO2709_LEADER = re.compile(rb"^\d{5}[a-z ]{3}[ -~]{2}[\d ]{2}\d{5}")
XML_START = re.compile(
    rb"^\s*(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*)*(<!DOCTYPE|<([\w.-]+:)?(collection|record)\b)",
    re.S,
)


def detect_format(head: bytes) -> Format:
    """Guess the format from the first bytes of a file, or raise NotACatalogueFile."""
    head = head.removeprefix(b"\xef\xbb\xbf")
    stripped = head.lstrip()
    if ISO2709_LEADER.match(stripped):
        return guess_marc_flavour(stripped)
    if XML_START.match(head):
        return Format.MARCXML
    if looks_like_catalogue_csv(head):
        return Format.CSV
    raise NotACatalogueFile


def guess_marc_flavour(head: bytes) -> Format:
    """Tell UNIMARC from MARC 21 by the fields the first records carry.

    Both share the ISO 2709 frame; UNIMARC records have their title in 200,
    MARC 21 records in 245. Each of the first records votes; one with neither
    (a deletion, a damaged record) does not, so it cannot decide for the file.
    """
    votes = {Format.UNIMARC: 0, Format.MARC21: 0}
    for raw in head.split(b"\x1d")[:FLAVOUR_VOTERS]:
        tags = _directory_tags(raw.lstrip(b"\r\n\t "))
        if b"245" in tags:
            votes[Format.MARC21] += 1
        elif b"200" in tags:
            votes[Format.UNIMARC] += 1
    return Format.UNIMARC if votes[Format.UNIMARC] > votes[Format.MARC21] else Format.MARC21


def _directory_tags(raw: bytes) -> set[bytes]:
    """Return the tags of a record's directory ('' when it is no record)."""
    base = raw[12:17]
    if len(raw) < 24 or not base.isdigit():
        return set()
    directory = raw[24 : int(base) - 1]
    return {directory[i : i + 3] for i in range(0, len(directory) - 11, 12)}
