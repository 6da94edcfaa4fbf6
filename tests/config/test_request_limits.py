"""Bodies larger than any form are refused before they are read (issue 14, item 5)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import StaffFactory
from tests.two_factor import enter_admin

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def post_declaring(client, path: str, size: int):
    """POST a tiny body that declares `size` bytes, as a client about to send them would."""
    return client.generic(
        "POST", path, b"x", content_type="multipart/form-data; boundary=b", CONTENT_LENGTH=str(size)
    )


@pytest.mark.parametrize("path", ["/basket/add/", "/accounts/login/", "/staff/desk/", "/nowhere/"])
def test_an_anonymous_post_declaring_101_mb_is_refused_unread(client, path):
    response = post_declaring(client, path, 101 * MB)

    # 413, not the CSRF check's 403: the body was not read to look for a token.
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.content.decode()


def test_a_form_of_ordinary_size_goes_through(client):
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})

    assert response.status_code == 200  # the form, with its error


def test_the_catalogue_upload_takes_files_up_to_its_own_limit(client, settings):
    settings.CATALOG_UPLOAD_MAX_MB = 100
    enter_admin(client, StaffFactory(is_superuser=True))
    url = "/admin/catalog/catalogimport/add/"

    two_megabytes = SimpleUploadedFile("export.mrc", b"0" * 2 * MB)

    assert post_declaring(client, url, 101 * MB + 1).status_code == 413
    assert post_declaring(client, "/basket/add/", 2 * MB).status_code == 413
    # Twice the limit of every other form, read and judged by the upload form itself.
    response = client.post(url, {"file": two_megabytes, "format": ""})
    assert response.status_code == 200
    assert "catalogue" in response.content.decode()
