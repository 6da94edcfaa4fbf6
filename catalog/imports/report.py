"""What an import did: counts, errors by kind with examples, and their summary."""

from collections import Counter
from dataclasses import asdict, dataclass, field

from django.utils.formats import number_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from .mapping import DOCUMENT_TYPE_NAMES
from .records import ErrorKind

# Examples kept per error kind: enough to find the records, never the whole file.
EXAMPLES_PER_KIND = 20
BARCODES_LISTED = 100


def document_type_name(code: str) -> str:
    """A document type the import creates, by its name in the active language."""
    names = DOCUMENT_TYPE_NAMES.get(code)
    if names is None:
        return code
    return names[1] if get_language() == "en" else names[0]


def count(number: int) -> str:
    """A count grouped the way the active language writes it (1,000 or 1 000)."""
    return number_format(number, force_grouping=True)


@dataclass
class ErrorExamples:
    count: int = 0
    # (record number in the file, record identifier, detail)
    examples: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass
class ImportReport:
    format: str = ""
    dry_run: bool = False
    full_export: bool = False
    records_read: int = 0
    records_created: int = 0
    records_updated: int = 0
    records_unchanged: int = 0
    copies_created: int = 0
    copies_moved: int = 0
    copies_updated: int = 0
    copies_unchanged: int = 0
    copies_withdrawn: int = 0
    # Records the file marks deleted (leader/05 "d") that the catalogue held; not
    # found: deletions of records never imported, nothing to do.
    records_deleted: int = 0
    deletions_not_found: int = 0
    # Copies the export moved or dropped while held for an order or on loan.
    copies_kept_for_orders: int = 0
    kept_barcodes: list[str] = field(default_factory=list)
    unknown_branches: Counter = field(default_factory=Counter)
    # The library system's copy status codes met, with their copies; and whether
    # each meant "on the shelf" (CATALOG_IMPORT_ON_SHELF_CODES).
    status_codes: Counter = field(default_factory=Counter)
    status_codes_on_shelf: list[str] = field(default_factory=list)
    document_types_created: list[str] = field(default_factory=list)
    errors: dict[str, ErrorExamples] = field(default_factory=dict)
    withdrawal_skipped: str = ""
    stopped: str = ""
    seconds: float = 0.0

    def add_error(self, kind: str, number: int, identifier: str = "", detail: str = "") -> None:
        entry = self.errors.setdefault(kind, ErrorExamples())
        entry.count += 1
        if len(entry.examples) < EXAMPLES_PER_KIND:
            entry.examples.append((number, identifier, detail[:200]))

    def merge(self, part: "ImportReport") -> None:
        """Add the counts and errors of one written batch."""
        for name in (
            "records_created",
            "records_updated",
            "records_unchanged",
            "copies_created",
            "copies_moved",
            "copies_updated",
            "copies_unchanged",
        ):
            setattr(self, name, getattr(self, name) + getattr(part, name))
        for barcode in part.kept_barcodes:
            self.keep_for_order(barcode)
        self.copies_kept_for_orders += part.copies_kept_for_orders - len(part.kept_barcodes)
        self.unknown_branches.update(part.unknown_branches)
        for kind, entry in part.errors.items():
            mine = self.errors.setdefault(kind, ErrorExamples())
            mine.count += entry.count
            room = EXAMPLES_PER_KIND - len(mine.examples)
            mine.examples.extend(entry.examples[:room])

    def count_status(self, code: str, *, on_shelf: bool) -> None:
        """Count a copy of this status code, and remember whether the code means on the shelf."""
        self.status_codes[code] += 1
        if on_shelf and code not in self.status_codes_on_shelf:
            self.status_codes_on_shelf.append(code)

    def keep_for_order(self, barcode: str) -> None:
        self.copies_kept_for_orders += 1
        if len(self.kept_barcodes) < BARCODES_LISTED:
            self.kept_barcodes.append(barcode)

    @property
    def records_rejected(self) -> int:
        record_level = set(ErrorKind.LABELS) - {
            ErrorKind.DUPLICATE_BARCODE,
            ErrorKind.BAD_BARCODE,
        }
        return sum(entry.count for kind, entry in self.errors.items() if kind in record_level)

    @property
    def copies_skipped_unknown_branch(self) -> int:
        return sum(self.unknown_branches.values())

    @property
    def records_per_second(self) -> float:
        return self.records_read / self.seconds if self.seconds else 0.0

    def to_json(self) -> dict:
        data = asdict(self)
        data["unknown_branches"] = dict(self.unknown_branches.most_common())
        data["status_codes"] = dict(self.status_codes.most_common())
        return data

    @classmethod
    def from_json(cls, data: dict) -> "ImportReport":
        data = dict(data)
        data["unknown_branches"] = Counter(data.get("unknown_branches") or {})
        data["status_codes"] = Counter(data.get("status_codes") or {})
        data["errors"] = {
            kind: ErrorExamples(
                count=entry["count"], examples=[tuple(e) for e in entry["examples"]]
            )
            for kind, entry in (data.get("errors") or {}).items()
        }
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})

    def summary_lines(self) -> list[str]:
        """The report as sentences, in the active language."""
        would = self.dry_run
        lines = [
            (_("Dry run: nothing was written.") if would else _("Import finished.")),
            _(
                "%(read)s records read: %(created)s new, %(updated)s changed, %(same)s unchanged, "
                "%(rejected)s skipped."
            )
            % {
                "read": count(self.records_read),
                "created": count(self.records_created),
                "updated": count(self.records_updated),
                "same": count(self.records_unchanged),
                "rejected": count(self.records_rejected),
            },
            _(
                "Copies: %(created)s new, %(moved)s moved to another branch, %(updated)s changed, "
                "%(same)s unchanged, %(withdrawn)s marked unavailable."
            )
            % {
                "created": count(self.copies_created),
                "moved": count(self.copies_moved),
                "updated": count(self.copies_updated),
                "same": count(self.copies_unchanged),
                "withdrawn": count(self.copies_withdrawn),
            },
        ]
        if self.records_deleted or self.deletions_not_found:
            lines.append(
                _(
                    "Records deleted in the library system: taken off the shelves, %(deleted)s; "
                    "unknown here, %(unknown)s (their copies are among those marked unavailable)."
                )
                % {
                    "deleted": count(self.records_deleted),
                    "unknown": count(self.deletions_not_found),
                }
            )
        if self.copies_kept_for_orders:
            lines.append(
                ngettext(
                    "%(count)s copy held for an order or on loan was left as it is "
                    "(see its barcode below).",
                    "%(count)s copies held for an order or on loan were left as they are "
                    "(see their barcodes below).",
                    self.copies_kept_for_orders,
                )
                % {"count": count(self.copies_kept_for_orders)}
            )
        if self.unknown_branches:
            codes = ", ".join(
                f"{code} ({count(number)})"
                for code, number in self.unknown_branches.most_common(20)
            )
            lines.append(
                _("Copies skipped, their branch code is unknown: %(codes)s.") % {"codes": codes}
            )
        if self.status_codes:
            codes = "; ".join(
                (_("%(code)s: %(count)s (on the shelf)") if code in self.status_codes_on_shelf
                 else _("%(code)s: %(count)s (not on the shelf)"))
                % {"code": code or _("no code"), "count": count(number)}
                for code, number in self.status_codes.most_common(20)
            )  # fmt: skip
            lines.append(_("Copies by status code: %(codes)s.") % {"codes": codes})
        if self.document_types_created:
            lines.append(
                _("New document types: %(codes)s.")
                % {"codes": ", ".join(map(document_type_name, self.document_types_created))}
            )
        if self.withdrawal_skipped:
            lines.append(self.withdrawal_skipped)
        if self.stopped:
            lines.append(
                _("The file could not be read to the end: %(why)s") % {"why": self.stopped}
            )
        for kind, entry in sorted(self.errors.items(), key=lambda item: -item[1].count):
            lines.append(
                _("%(label)s: %(count)s (records %(numbers)s).")
                % {
                    "label": ErrorKind.label(kind),
                    "count": count(entry.count),
                    "numbers": ", ".join(
                        f"#{number}" + (f" {identifier}" if identifier else "")
                        for number, identifier, _detail in entry.examples[:5]
                    ),
                }
            )
        if self.seconds:
            lines.append(
                _("%(read)s records in %(seconds)s s (%(speed)s records per second).")
                % {
                    "read": count(self.records_read),
                    "seconds": number_format(self.seconds, decimal_pos=1),
                    "speed": count(round(self.records_per_second)),
                }
            )
        return lines
