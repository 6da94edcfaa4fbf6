"""Fixtures shared by the catalogue's tests of imports (admin, tasks)."""

import pytest

from tests.factories import BranchFactory


@pytest.fixture
def media_root(settings, tmp_path):
    """A scratch MEDIA_ROOT for the uploaded files."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def branch():
    """The branch the sample files name by its code, "havel"."""
    return BranchFactory(code="havel", name="Médiathèque Václav Havel")
