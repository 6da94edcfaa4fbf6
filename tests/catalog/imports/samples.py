"""The sample catalogue files of tests/catalog/data, and a short way to import them."""

import io
from pathlib import Path

from catalog.imports.report import ImportReport
from catalog.services import import_catalogue

DATA = Path(__file__).resolve().parents[1] / "data"


def sample(name: str) -> Path:
    return DATA / name


def sample_bytes(name: str) -> bytes:
    return (DATA / name).read_bytes()


def run_import(name_or_bytes: str | bytes, **options) -> ImportReport:
    """Import a sample file (by name) or bytes through the service; return its report."""
    content = sample_bytes(name_or_bytes) if isinstance(name_or_bytes, str) else name_or_bytes
    return import_catalogue(stream=io.BytesIO(content), **options)


def error_numbers(report: ImportReport, kind: str) -> list[int]:
    """The record numbers reported for an error kind."""
    return [number for number, _identifier, _detail in report.errors[kind].examples]
