"""The formats a catalogue file may come in, and how to tell them apart."""

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

from .csv_file import looks_like_catalogue_csv

# Enough of a file to see its leader, its XML root or its CSV header.
SNIFF_BYTES = 4096


class Format(models.TextChoices):
    UNIMARC = "unimarc", _("UNIMARC (ISO 2709)")
    MARC21 = "marc21", _("MARC 21 (ISO 2709)")
    MARCXML = "marcxml", _("MARCXML")
    CSV = "csv", _("CSV")


class NotACatalogueFile(Exception):
    """The file is not MARC, MARCXML or a CSV with the expected header."""


# Record length, status, type, level, then the indicator and subfield counts.
ISO2709_LEADER = re.compile(rb"^\d{5}[a-z ][a-z][a-z ]")
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
    """Tell UNIMARC from MARC 21 by the fields the first record carries.

    Both share the ISO 2709 frame; UNIMARC records have their title in 200
    and coded data in 100, MARC 21 records their title in 245 and 008.
    """
    base = head[12:17]
    if not base.isdigit():
        return Format.MARC21
    directory = head[24 : int(base) - 1]
    tags = {directory[i : i + 3] for i in range(0, len(directory) - 11, 12)}
    if b"200" in tags and b"245" not in tags:
        return Format.UNIMARC
    return Format.MARC21
