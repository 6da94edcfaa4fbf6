"""Benchmark the catalogue search view on PostgreSQL with a million records.

Run from the project root:

    .venv/bin/python bench/search.py                 # seeds a scratch database first
    .venv/bin/python bench/search.py --reuse         # reuses it if it is already seeded

It (re)creates the scratch database, migrates it and runs
``manage.py seed_demo --records N`` in a child process (skipped with --reuse
when the database already holds records), runs VACUUM ANALYZE, then, in this
process, builds a fixed list of 200 queries from the real records of the demo
data (50 single words, 50 pairs of words, 50 misspelt words, 50 author names,
same seed, same list), warms up by running each once, and runs each again
through Django's test client: the whole view (middleware, form, queries,
template) is timed, and beside it the time spent in SQL by the same request
(``connection.execute_wrapper``). It prints p50/p95/max per kind of query and
overall, and checks the target: p95 of the view under 100 ms.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter, defaultdict

from scratch import (
    SERVER_URL,
    bench_environment,
    percentile,
    seed_unless_reused,
    setup_django,
)

TARGET_P95_MS = 100.0
KINDS = ("single word", "two words", "misspelt", "author")
PER_KIND = 50


def main() -> None:
    arguments = parse_arguments()
    environment = bench_environment(arguments.server, arguments.database)
    seed_unless_reused(arguments, environment, "SELECT count(*) FROM catalog_record")
    setup_django(environment)
    from django.conf import settings
    from django.test.utils import override_settings, setup_test_environment

    # The test client's response.context, and plain static URLs (no collectstatic manifest).
    setup_test_environment()
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        run(arguments)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2020, help="seed of the data and the queries")
    parser.add_argument("--database", default="cc_bench_search")
    parser.add_argument("--server", default=SERVER_URL, help="PostgreSQL URL without database")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the scratch database if it holds records"
    )
    parser.add_argument("--slowest", type=int, default=10, help="list the N slowest queries")
    return parser.parse_args()


def build_queries(seed: int) -> list[tuple[str, str]]:
    """Return (kind, query) pairs drawn from the real records, the same for the same seed."""
    from demo.sources import read_real_records

    rng = random.Random(seed)
    records = list(read_real_records())
    titles = [record.title for record in records]
    surnames = sorted({record.surname for record in records if len(record.surname) >= 4})

    def title_words(title: str) -> list[str]:
        return [word.strip(".,:;!?()[]\"'«»") for word in title.split()]

    def words_of(minimum: int) -> list[str]:
        while True:
            words = [w for w in title_words(rng.choice(titles)) if len(w) >= minimum]
            if words:
                return words

    queries: list[tuple[str, str]] = []
    for _ in range(PER_KIND):
        queries.append(("single word", rng.choice(words_of(4))))
    while len(queries) < 2 * PER_KIND:
        words = [w for w in title_words(rng.choice(titles)) if w]
        if len(words) >= 2:
            start = rng.randrange(len(words) - 1)
            queries.append(("two words", " ".join(words[start : start + 2])))
    for _ in range(PER_KIND):
        queries.append(("misspelt", misspell(rng.choice(words_of(6)), rng)))
    for surname in rng.sample(surnames, PER_KIND):
        queries.append(("author", surname))
    return queries


def misspell(word: str, rng: random.Random) -> str:
    """Swap, drop, double or replace one letter inside the word (never the first)."""
    position = rng.randrange(1, len(word) - 1)
    letters = list(word)
    change = rng.choice(("swap", "drop", "double", "replace"))
    if change == "swap":
        letters[position], letters[position + 1] = letters[position + 1], letters[position]
    elif change == "drop":
        del letters[position]
    elif change == "double":
        letters.insert(position, letters[position])
    else:
        letters[position] = rng.choice("aeioustrn".replace(letters[position].lower(), ""))
    return "".join(letters)


def run(arguments: argparse.Namespace) -> None:
    from django.db import connection
    from django.test import Client

    queries = build_queries(arguments.seed)
    client = Client()
    sql_seconds = 0.0
    sql_count = 0

    def timed(execute, statement, params, many, context):
        nonlocal sql_seconds, sql_count
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            sql_seconds += time.perf_counter() - started
            sql_count += 1

    def get(query: str):
        return client.get("/catalog/", {"q": query}, secure=True)

    print(f"Warming up: {len(queries)} queries...", flush=True)
    for _kind, query in queries:
        get(query)

    results = []
    with connection.execute_wrapper(timed):
        for kind, query in queries:
            sql_seconds, sql_count = 0.0, 0
            started = time.perf_counter()
            response = get(query)
            view_ms = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                sys.exit(f"{query!r}: HTTP {response.status_code}")
            page = response.context["page"]
            results.append(
                {
                    "kind": kind,
                    "query": query,
                    "view": view_ms,
                    "sql": sql_seconds * 1000,
                    "queries": sql_count,
                    "mode": page.mode if page.count else "no hit",
                    "count": page.count,
                }
            )
    report(arguments, results)


def report(arguments: argparse.Namespace, results: list[dict]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_record")
        records = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM catalog_item")
        copies = cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    print()
    print(f"Catalogue search, {records:,} records, {copies:,} copies")
    print(
        f"  machine  {platform.node()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, PostgreSQL {server}, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    print("  view = the whole request through Django's test client; SQL = its queries' time")
    print()
    header = (
        f"  {'queries':<14}{'n':>4}{'view p50':>10}{'p95':>8}{'max':>8}"
        f"{'SQL p50':>10}{'p95':>8}{'max':>8}{'SQL/page':>10}"
    )
    print(header)
    groups = defaultdict(list)
    for result in results:
        groups[result["kind"]].append(result)
    groups["all"] = results
    for kind in (*KINDS, "all"):
        rows = groups[kind]
        view = [row["view"] for row in rows]
        sql_ms = [row["sql"] for row in rows]
        statements = sorted({row["queries"] for row in rows})
        print(
            f"  {kind:<14}{len(rows):>4}{statistics.median(view):>10.1f}"
            f"{percentile(view, 0.95):>8.1f}{max(view):>8.1f}{statistics.median(sql_ms):>10.1f}"
            f"{percentile(sql_ms, 0.95):>8.1f}{max(sql_ms):>8.1f}"
            f"{'/'.join(map(str, statements)):>10}"
        )
    modes = Counter(row["mode"] for row in results)
    capped = sum(row["count"] > 1000 for row in results)
    print()
    print(
        "  outcome: "
        + ", ".join(f"{mode} {number}" for mode, number in sorted(modes.items()))
        + f"; {capped} with more than 1,000 results"
    )
    print(f"  slowest {arguments.slowest} (view ms, SQL ms, mode, hits):")
    for row in sorted(results, key=lambda row: row["view"], reverse=True)[: arguments.slowest]:
        print(
            f"    {row['view']:7.1f} {row['sql']:7.1f}  {row['mode']:<8} {row['count']:>5}  "
            f"{row['kind']}: {row['query']!r}"
        )
    p95 = percentile([row["view"] for row in results], 0.95)
    verdict = "met" if p95 < TARGET_P95_MS else "MISSED"
    print()
    print(f"  target: p95 of the view < {TARGET_P95_MS:.0f} ms: {verdict} ({p95:.1f} ms)")


if __name__ == "__main__":
    main()
