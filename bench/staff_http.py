"""The staff pages over HTTP, behind gunicorn, on the scratch database of bench/staff.py.

    .venv/bin/python bench/staff.py               # once: builds cc_bench_staff
    .venv/bin/python bench/staff_http.py          # then: p50/p95/max behind gunicorn

Starts gunicorn with config/gunicorn.conf.py (the production settings: app
preloaded, garbage collector frozen in each worker) on a free port, signs in
the benchmark's librarian and network admin through a session cookie, and
times --requests GETs of the queue, the pull list and the dashboard, after 5
warm-ups each, from a separate client process: what a browser would wait.
Add --no-freeze to run the same without config/gunicorn.conf.py.
"""

import argparse
import os
import subprocess
import sys
import time
import urllib.request

from scratch import (
    PROJECT_DIR,
    SERVER_URL,
    bench_environment,
    free_port,
    percentile,
    setup_django,
    wait_for,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="cc_bench_staff")
    parser.add_argument("--server", default=SERVER_URL, help="PostgreSQL URL without database")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-freeze", action="store_true", help="plain gunicorn, no config")
    arguments = parser.parse_args()

    environment = bench_environment(arguments.server, arguments.database)
    environment["ALLOWED_HOSTS"] = "localhost"
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=PROJECT_DIR,
        env=environment,
        check=True,
    )
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", str(arguments.workers)]
    if arguments.no_freeze:
        command += ["--bind", f"127.0.0.1:{port}"]
    else:
        command += ["-c", "config/gunicorn.conf.py"]
        environment["GUNICORN_BIND"] = f"127.0.0.1:{port}"
        environment["GUNICORN_WORKERS"] = str(arguments.workers)
    server = subprocess.Popen(
        command,
        cwd=PROJECT_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port)
        setup_django(environment)
        measure(port, arguments.requests, "plain" if arguments.no_freeze else "gc frozen")
    finally:
        server.terminate()
        server.wait(timeout=30)


def session_cookie(card_number: str) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User

    user = User.objects.get(card_number=card_number)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"sessionid={session.session_key}"


def measure(port: int, requests: int, mode: str) -> None:
    from accounts.models import User

    busy = User.objects.get(card_number="BENCH-LIB").branches.get().pk
    print(f"Staff pages behind gunicorn ({mode}), {requests} requests each, ms")
    worst = 0.0
    for who, card_number in (("librarian", "BENCH-LIB"), ("network admin", "BENCH-ADMIN")):
        cookie = session_cookie(card_number)
        for url in ("/staff/queue/", f"/staff/pull-list/?branch={busy}", "/staff/"):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{url}",
                # As behind the TLS proxy: no redirect to https.
                headers={"Cookie": cookie, "X-Forwarded-Proto": "https", "Host": "localhost"},
            )
            for _ in range(5):
                urllib.request.urlopen(request).read()
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                with urllib.request.urlopen(request) as response:
                    response.read()
                    if response.status != 200:
                        sys.exit(f"{who} {url}: HTTP {response.status}")
                times.append((time.perf_counter() - started) * 1000)
            p95 = percentile(times, 0.95)
            worst = max(worst, p95)
            print(
                f"  {who:14} {url:32} p50 {percentile(times, 0.5):6.1f}"
                f"  p95 {p95:6.1f}  max {max(times):6.1f}"
            )
    verdict = "met" if worst < 150 else "MISSED"
    print(f"  target: p95 of every page < 150 ms: {verdict} (worst {worst:.1f} ms)")


if __name__ == "__main__":
    os.chdir(PROJECT_DIR)
    main()
