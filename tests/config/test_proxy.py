"""The reverse proxy of the documented stack, deploy/nginx/default.conf.template.

Docker does not run here, so the file docker compose mounts into the nginx image
is run with Debian's nginx (installed by `make test`), in front of gunicorn with
one sync worker: a client that holds a connection open would hold that worker.
"""

import shutil
import socket
import string
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from tests.celery_worker import free_port
from tests.config.conftest import ROOT, http_get

TEMPLATE = ROOT / "deploy" / "nginx" / "default.conf.template"

pytestmark = pytest.mark.django_db(transaction=True)


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    assert found, "nginx is missing: `make test` installs Debian's nginx-light"
    return found


@pytest.fixture
def proxy(tmp_path, gunicorn):
    """nginx with the shipped site file, filled as the nginx image fills it, before gunicorn."""
    assert gunicorn.get("/healthz")[0] == 200  # started
    port = free_port()
    site = string.Template(TEMPLATE.read_text()).safe_substitute(
        NGINX_PORT=f"127.0.0.1:{port}", APP_UPSTREAM=f"127.0.0.1:{gunicorn.port}"
    )
    (tmp_path / "site.conf").write_text(site)
    # What the image's own nginx.conf provides around conf.d, with paths of this test's own.
    access_log = tmp_path / "nginx-access.log"
    (tmp_path / "nginx.conf").write_text(
        f"""
        daemon off;
        user root;
        worker_processes 1;
        pid {tmp_path}/nginx.pid;
        events {{ worker_connections 64; }}
        http {{
            access_log {access_log};
            client_body_temp_path {tmp_path}/body;
            proxy_temp_path {tmp_path}/proxy;
            fastcgi_temp_path {tmp_path}/fastcgi;
            uwsgi_temp_path {tmp_path}/uwsgi;
            scgi_temp_path {tmp_path}/scgi;
            include {tmp_path}/site.conf;
        }}
        """
    )
    error_log = tmp_path / "nginx-error.log"
    server = subprocess.Popen(
        [nginx_binary(), "-p", str(tmp_path), "-c", "nginx.conf", "-e", str(error_log)],
        stderr=subprocess.PIPE,
    )
    try:
        status, _ = http_get(port, "/healthz", is_up=lambda: server.poll() is None)
        assert status == 200, error_log.read_text()
        yield RunningProxy(port=port, access_log=access_log)
    finally:
        server.terminate()
        server.wait(timeout=10)


@dataclass
class RunningProxy:
    port: int
    access_log: Path


def raw_request(port: int, head: str) -> socket.socket:
    """Open a connection and send a request's head (and what follows it in `head`)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(head.encode())
    return sock


def post_head(path: str, length: int) -> str:
    # With a CSRF cookie, Django reads the body to find the form's token: a body that never
    # comes holds the worker (without one, the 403 comes before any read).
    return (
        f"POST {path} HTTP/1.1\r\nHost: localhost\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        "Cookie: csrftoken=abcdefghijklmnopqrstuvwxyzABCDEF\r\n"
        f"Content-Length: {length}\r\n\r\n"
    )


def posts_seen_by(gunicorn) -> list[str]:
    time.sleep(0.5)  # gunicorn writes its access log line after the response
    return [line for line in gunicorn.access_log.read_text().splitlines() if '"POST ' in line]


def test_the_site_answers_through_the_proxy(proxy):
    status, body = http_get(proxy.port, "/healthz")

    assert status == 200
    assert b'"database": "ok"' in body


def test_a_huge_body_is_refused_before_gunicorn_hears_of_it(proxy, gunicorn):
    sock = raw_request(proxy.port, post_head("/accounts/login/", 2 * 1024**3))

    answer = sock.recv(4096)
    sock.close()

    assert answer.startswith(b"HTTP/1.1 413")
    assert posts_seen_by(gunicorn) == []


def test_slow_clients_hold_no_worker_and_are_cut_off(proxy, gunicorn):
    # Four clients declare a small form and send 10 bytes of it, then go quiet: without
    # the proxy, the first of them held gunicorn's only worker until its 30 s time-out.
    slow = [
        raw_request(proxy.port, post_head("/accounts/login/", 4000) + "username=1")
        for _ in range(4)
    ]

    started = time.monotonic()
    status, _ = http_get(proxy.port, "/healthz")  # gives up after 5 s: a held worker fails here
    assert status == 200
    assert time.monotonic() - started < 5

    # nginx drops each of them after client_body_timeout (10 s), never passing them on.
    for sock in slow:
        answer = sock.recv(4096)  # the socket's own time-out is 30 s
        assert answer == b"" or answer.startswith(b"HTTP/1.1 408")
        sock.close()
    assert time.monotonic() - started < 25
    assert posts_seen_by(gunicorn) == []
    assert proxy.access_log.read_text().count('"POST /accounts/login/ HTTP/1.1" 408') == 4


def test_the_catalogue_upload_alone_may_be_large(proxy, gunicorn):
    upload = reverse("admin:catalog_catalogimport_add")
    assert f"location = {upload} {{" in TEMPLATE.read_text()
    body = "x" * (5 * 1024 * 1024)

    big_form = raw_request(proxy.port, post_head("/accounts/login/", len(body)))
    big_upload = raw_request(proxy.port, post_head(upload, len(body)) + body)

    assert big_form.recv(4096).startswith(b"HTTP/1.1 413")
    # Passed on whole: the site answers it (Django's 400: a form, not a file, this large).
    assert big_upload.recv(4096).startswith(b"HTTP/1.1 400")
    assert [upload in line for line in posts_seen_by(gunicorn)] == [True]


def test_docker_compose_puts_the_proxy_in_front_of_gunicorn():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]

    proxy = services["proxy"]
    assert proxy["ports"] == ["8000:80"]
    assert "./deploy/nginx:/etc/nginx/templates:ro" in proxy["volumes"]
    assert proxy["environment"] == {"NGINX_PORT": "80", "APP_UPSTREAM": "web:8000"}
    assert "ports" not in services["web"]  # gunicorn is reached through the proxy only
    assert services["web"]["environment"]["CLIENT_IP_HEADER"] == "HTTP_X_REAL_IP"
