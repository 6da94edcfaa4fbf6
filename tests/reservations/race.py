"""Fire service calls from parallel threads, each on its own database connection."""

import threading
from collections import Counter
from collections.abc import Callable

from django.db import connections


def run_in_parallel(calls: list[Callable[[], object]]) -> Counter:
    """Run the calls at the same instant; count outcomes by result or exception class name."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(call):
        try:
            barrier.wait()
            call()
            outcome = "ok"
        except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
            outcome = type(error).__name__
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return Counter(outcomes)
