"""The lockdown rush's simulated patrons (locust as a library), started by bench/rush.py.

    python bench/rush_users.py --host URL --plan PLAN.json --out RESULT.json \
        --users N --spawn-rate R --warm-up S --duration S

Kept apart from rush.py because locust patches the standard library (gevent)
when imported, and from Django for the same reason: this process is only the
browsers. Each simulated user picks, after a think time, one of: a search
(weight 7), a record page (2), or a whole order by a patron who has not
signed in yet (1): sign-in form, sign-in, one or two record pages each put in
the basket, the basket, checkout, the page checkout leads to. Every patron
card of the plan is used once, from its own address (as nginx would pass it
in X-Real-IP), so that the per-address sign-in limit sees households, not
the load generator.

The statistics are reset once every user has started and the warm-up has
passed; RESULT.json then holds, for the measured window, each endpoint's
count, failures and percentiles, the total, and how the orders of the whole
run ended (the cards whose order was placed, how many were refused).
"""

import argparse
import itertools
import json
import random
import re
import time
from html import unescape
from http.cookiejar import DefaultCookiePolicy

import gevent
from locust import FastHttpUser, between, events, task
from locust.env import Environment

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SUBMISSION_FIELD = re.compile(r'name="submission" value="([^"]+)"')
BRANCH_RADIO = re.compile(r'<input class="branch-option__radio"[^>]*\bvalue="(\d+)"[^>]*>')
PERCENTILES = (0.5, 0.95, 0.99)


class Plan:
    """What the users draw from: queries, record ids, patron cards (each used once)."""

    def __init__(self, data: dict, seed: int):
        self.queries = data["queries"]
        self.records = data["records"]
        self.orderable = data["orderable"]
        self.popular = data["popular"]
        self.password = data["password"]
        self.cards = iter(data["cards"])
        self.addresses = itertools.count(1)
        self.random = random.Random(seed)
        self.outcomes = {"placed": [], "refused": 0, "no card left": 0}

    def next_patron(self) -> tuple[str, str] | None:
        card = next(self.cards, None)
        if card is None:
            return None
        number = next(self.addresses)
        return card, f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"

    def record_to_order(self) -> int:
        # One pick in five among a few popular titles with few copies: patrons race for them.
        pool = self.popular if self.random.random() < 0.2 else self.orderable
        return self.random.choice(pool)


PLAN: Plan | None = None  # set by main() before the users start


class Patron(FastHttpUser):
    wait_time = between(0.5, 1.5)
    # As behind the TLS proxy: the site sees https and sets Secure cookies, which must
    # come back over the loopback's plain HTTP (or every form fails its CSRF check).
    default_headers = {"X-Forwarded-Proto": "https", "Accept-Language": "fr"}

    def on_start(self):
        self.client.cookiejar.set_policy(DefaultCookiePolicy(secure_protocols=("https", "http")))

    @task(7)
    def search(self):
        query = PLAN.random.choice(PLAN.queries)
        self.client.get("/catalog/", params={"q": query}, name="search /catalog/?q=")

    @task(2)
    def record(self):
        self.client.get(f"/catalog/{PLAN.random.choice(PLAN.records)}/", name="record /catalog/N/")

    @task(1)
    def order(self):
        patron = PLAN.next_patron()
        if patron is None:
            PLAN.outcomes["no card left"] += 1
            return
        card, address = patron
        self.client.cookiejar.clear()
        headers = {"X-Real-IP": address, "Origin": self.host.replace("http://", "https://")}
        page = self._get("/accounts/login/", "sign-in form", headers)
        if page is None:
            return
        fields = {"username": card, "password": PLAN.password}
        if self._post("/accounts/login/", "sign-in", fields, page, headers) is None:
            return
        records = {PLAN.record_to_order() for _ in range(PLAN.random.choice((1, 1, 2)))}
        for record in records:
            gevent.sleep(PLAN.random.uniform(0.2, 0.8))
            url = f"/catalog/{record}/"
            page = self._get(url, "record, signed in", headers)
            if page is None:
                return
            fields = {"record": str(record), "next": url}
            if self._post("/basket/add/", "basket add", fields, page, headers) is None:
                return
        gevent.sleep(PLAN.random.uniform(0.2, 0.8))
        basket = self._get("/basket/", "basket", headers)
        if basket is None:
            return
        submission = SUBMISSION_FIELD.search(basket)
        branches = BRANCH_RADIO.findall(basket)
        if submission is None or not branches:
            PLAN.outcomes["refused"] += 1  # every document went to others meanwhile
            return
        checked = [m for m in BRANCH_RADIO.finditer(basket) if " checked" in m.group(0)]
        fields = {
            "records": [str(record) for record in records],
            "submission": submission.group(1),
            "branch": checked[0].group(1) if checked else branches[0],
        }
        location = self._post("/basket/checkout/", "checkout", fields, basket, headers)
        if location is None:
            return
        landed = self._get(location, "after checkout", headers)
        if landed is not None and location.startswith("/account/reservations/"):
            PLAN.outcomes["placed"].append(card)
        else:
            PLAN.outcomes["refused"] += 1

    def _get(self, url: str, name: str, headers: dict) -> str | None:
        with self.client.get(url, name=name, headers=headers, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return None
            return response.text

    def _post(self, url: str, name: str, fields: dict, page: str, headers: dict) -> str | None:
        """POST a form with the page's CSRF token; return where the site redirects, or None."""
        token = CSRF_FIELD.search(page)
        if token is None:
            events.request.fire(
                request_type="POST",
                name=name,
                response_time=0,
                response_length=0,
                exception=AssertionError("no CSRF token on the page before"),
            )
            return None
        data = {"csrfmiddlewaretoken": unescape(token.group(1)), **fields}
        with self.client.post(
            url,
            data=_encode(data),
            name=name,
            headers={
                **headers,
                "Referer": f"{headers['Origin']}{url}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"HTTP {response.status_code}, not a redirect")
                return None
            return response.headers.get("Location", "/")


def _encode(data: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(data, doseq=True)


def main() -> None:
    global PLAN
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--warm-up", type=float, default=10)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--seed", type=int, default=2020)
    arguments = parser.parse_args()
    with open(arguments.plan) as plan_file:
        PLAN = Plan(json.load(plan_file), arguments.seed)

    environment = Environment(
        user_classes=[Patron], host=arguments.host, events=events, stop_timeout=60
    )
    runner = environment.create_local_runner()
    runner.start(arguments.users, spawn_rate=arguments.spawn_rate)
    gevent.sleep(arguments.users / arguments.spawn_rate + arguments.warm_up)
    environment.stats.reset_all()
    print("window start", flush=True)  # bench/rush.py samples the CPU of the stack here
    started = time.monotonic()
    gevent.sleep(arguments.duration)
    measured = time.monotonic() - started
    print("window end", flush=True)
    result = summary(environment.stats, measured, arguments.users)
    # Orders under way finish (stop_timeout) and are counted: the outcomes cover the whole
    # run, warm-up included, to be checked against the database.
    runner.stop()
    result["orders"] = {
        "placed": PLAN.outcomes["placed"],
        "refused": PLAN.outcomes["refused"],
        "no card left": PLAN.outcomes["no card left"],
    }
    with open(arguments.out, "w") as out:
        json.dump(result, out)


def summary(stats, seconds: float, users: int) -> dict:
    def figures(entry) -> dict:
        return {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "per_second": entry.num_requests / seconds,
            **{f"p{round(p * 100)}": entry.get_response_time_percentile(p) for p in PERCENTILES},
            "max": entry.max_response_time,
        }

    return {
        "seconds": seconds,
        "users": users,
        "endpoints": {name: figures(entry) for (name, _method), entry in stats.entries.items()},
        "total": figures(stats.total),
        "errors": {str(error.error): error.occurrences for error in stats.errors.values()},
    }


if __name__ == "__main__":
    main()
