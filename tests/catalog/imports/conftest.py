"""Fixtures of the import tests: the two branches the sample files name."""

import pytest

from catalog.models import IlsBranchCode
from tests.factories import BranchFactory


@pytest.fixture
def havel(db):
    """The branch the samples call HAVEL (its own code) and HAV (the library system's)."""
    branch = BranchFactory(code="havel", name="Médiathèque Václav Havel")
    IlsBranchCode.objects.create(code="HAV", branch=branch)
    return branch


@pytest.fixture
def cabanis(db):
    """The branch the samples call CABANIS and CAB."""
    branch = BranchFactory(code="cabanis", name="Médiathèque José Cabanis")
    IlsBranchCode.objects.create(code="CAB", branch=branch)
    return branch


@pytest.fixture
def branches(havel, cabanis):
    return havel, cabanis
