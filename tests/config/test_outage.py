"""A database that does not answer (issue 15, item 5): a 503 page with Retry-After, not a 500.

gunicorn with the production settings, its database on a port where nothing listens.
"""

import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.django_db


def fetch(server, path: str, language: str):
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}{path}",
        headers={"Host": "localhost", "Accept-Language": language},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.mark.parametrize(
    ("language", "title"),
    [("fr", "Le service est indisponible pour un moment"), ("en", "unavailable for a moment")],
)
def test_every_page_says_so_plainly_during_a_database_outage(
    gunicorn_without_database, language, title
):
    assert gunicorn_without_database.get("/healthz")[0] == 503  # started, database down

    # Pages that read the database (the basket of a visitor, empty, needs none: it is served).
    for path in ("/", "/catalog/?q=hugo", "/branches/", "/help/"):
        status, headers, page = fetch(gunicorn_without_database, path, language)
        assert status == 503, path
        assert headers["Retry-After"] == "120", path
        assert title in page, path
        assert f'<html lang="{language}">' in page, path


def test_pages_render_as_usual_when_the_database_answers(gunicorn):
    assert gunicorn.get("/healthz")[0] == 200

    status, headers, page = fetch(gunicorn, "/", "fr")

    assert status == 200
    assert "Retry-After" not in headers
    assert "indisponible pour un moment" not in page
