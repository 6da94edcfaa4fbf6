"""The production server: gunicorn with config/gunicorn.conf.py serves the site."""

import json
import time

import pytest


@pytest.mark.django_db
def test_gunicorn_with_the_production_config_answers_healthz(gunicorn):
    status, body = gunicorn.get("/healthz")

    assert status == 200
    assert json.loads(body)["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_the_access_log_keeps_no_signed_link_reset_token_or_search(gunicorn):
    get = gunicorn.get
    get("/healthz")
    for path in (
        "/pickup/eyJyIjo0Mn0:1vPxyz:SiGnAtUrE/",
        "/accounts/password-reset/MTIz/cxyz-0123456789abcdef/",
        "/staff/desk/?q=10000042",
        "/branches/?lat=48.8566&lon=2.3522",
    ):
        get(path)
    time.sleep(0.5)  # gunicorn writes the access log line after the response

    log = gunicorn.access_log.read_text()
    for secret in ("SiGnAtUrE", "eyJyIjo0Mn0", "cxyz-0123456789abcdef", "10000042", "48.8566"):
        assert secret not in log
    assert '"GET /pickup/-/ HTTP/1.1"' in log
    assert '"GET /accounts/password-reset/-/-/ HTTP/1.1"' in log
    assert '"GET /staff/desk/ HTTP/1.1" 302' in log
