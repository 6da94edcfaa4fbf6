"""Library system branch codes: the branch map file, the admin's codes, the branches' own."""

import pytest
from django.utils import translation

from catalog.imports.branch_codes import BranchMapError, BranchResolver, read_branch_map
from catalog.models import IlsBranchCode

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def branch_map(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "branches.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_a_branch_map_is_read_with_or_without_header_and_delimiter(tmp_path, branches):
    assert read_branch_map(branch_map(tmp_path, "code;branch\nS01;havel\ns02;CABANIS\n")) == {
        "S01": "havel",
        "S02": "CABANIS",
    }
    assert read_branch_map(branch_map(tmp_path, "S01,havel\n\nS02,cabanis\n")) == {
        "S01": "havel",
        "S02": "cabanis",
    }
    assert read_branch_map(branch_map(tmp_path, "\ufeffS01\thavel\n")) == {"S01": "havel"}


def test_a_branch_map_naming_a_branch_that_does_not_exist_is_refused(tmp_path, branches):
    with pytest.raises(BranchMapError, match="do not exist: nowhere"):
        read_branch_map(branch_map(tmp_path, "S01;havel\nS02;nowhere\n"))


def test_a_line_with_one_column_is_refused_with_its_number(tmp_path, branches):
    with pytest.raises(BranchMapError, match="Line 2"):
        read_branch_map(branch_map(tmp_path, "S01;havel\nS02\n"))


def test_a_branch_map_that_is_not_utf8_or_missing_is_refused(tmp_path, branches):
    with pytest.raises(BranchMapError):
        read_branch_map(branch_map(tmp_path, "S01;Médiathèque\n", encoding="latin-1"))
    with pytest.raises(BranchMapError):
        read_branch_map(tmp_path / "missing.csv")


def test_codes_resolve_from_the_map_then_the_admin_then_the_branch_code(branches):
    havel, cabanis = branches
    IlsBranchCode.objects.create(code="BOTH", branch=cabanis)

    resolver = BranchResolver({"both": "havel", "S9": "cabanis"})

    assert resolver.resolve("both") == havel.pk  # the map wins over the admin's code
    assert resolver.resolve("s9") == cabanis.pk
    assert resolver.resolve("hav") == havel.pk  # the admin's code, any case
    assert resolver.resolve("CABANIS") == cabanis.pk  # the branch's own code
    assert resolver.resolve("nowhere") is None
    assert resolver.resolve("") is None
