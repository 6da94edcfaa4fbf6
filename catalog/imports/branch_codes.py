"""Which branch a copy belongs to, from the code the library system gives it.

A code is looked up, case-insensitively, in this order: the branch map file
given to the import, the codes kept in the admin (``IlsBranchCode``), then
the branches' own codes.
"""

import csv
import io
from pathlib import Path

from django.utils.translation import gettext as _

from branches.models import Branch

from ..models import IlsBranchCode

HEADER_WORDS = {"branch", "site", "bibliothèque", "bibliotheque", "code", "branch_code"}


class BranchMapError(ValueError):
    """The branch map file cannot be used; the message says why, for a librarian."""


def read_branch_map(path: str | Path) -> dict[str, str]:
    """Read a two-column CSV (library system code, branch code); return it as a dict.

    A header line is allowed; the delimiter may be a comma, a semicolon or a tab.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise BranchMapError(
            _("The branch map cannot be read: %(error)s") % {"error": error}
        ) from None
    except UnicodeDecodeError:
        raise BranchMapError(_("The branch map is not a UTF-8 text file.")) from None
    delimiter = next((d for d in (";", "\t", ",") if d in text.split("\n", 1)[0]), ",")
    mapping: dict[str, str] = {}
    for line_number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise BranchMapError(
                _(
                    "Line %(line)s of the branch map needs two columns: the library system's "
                    "code and the branch's code."
                )
                % {"line": line_number}
            )
        mapping[cells[0].upper()] = cells[1]
    branch_codes = {code.lower() for code in Branch.objects.values_list("code", flat=True)}
    # A header line ("code;branch") names no branch: drop it rather than fail.
    first_row = next(iter(mapping.items()), None)
    if (
        first_row
        and first_row[1].lower() in HEADER_WORDS
        and first_row[1].lower() not in branch_codes
    ):
        del mapping[first_row[0]]
    unknown = sorted(branch for branch in mapping.values() if branch.lower() not in branch_codes)
    if unknown:
        raise BranchMapError(
            _("The branch map names branches that do not exist: %(codes)s.")
            % {"codes": ", ".join(unknown[:20])}
        )
    return mapping


class BranchResolver:
    """Resolve the library system's branch codes to branch ids, once per import."""

    def __init__(self, branch_map: dict[str, str] | None = None):
        by_code = {code.upper(): pk for pk, code in Branch.objects.values_list("pk", "code")}
        self.ids: dict[str, int] = dict(by_code)
        for code, branch_id in IlsBranchCode.objects.values_list("code", "branch_id"):
            self.ids[code.upper()] = branch_id
        for code, branch_code in (branch_map or {}).items():
            self.ids[code.upper()] = by_code[branch_code.upper()]

    def resolve(self, code: str) -> int | None:
        return self.ids.get(code.upper())
