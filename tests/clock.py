"""Run the suite as if the wall clock read another date: ``pytest --clock 2028-01-01T09:30+01:00``.

A pytest plugin (``-p tests.clock`` in pyproject's addopts). The clock is moved
with time-machine and keeps ticking from the given moment, in the pytest
process and each xdist worker. The processes a test starts (Celery workers,
gunicorn) read the same clock when launched through ``clocked_command()``,
which passes the offset in ``TEST_CLOCK_OFFSET``. PostgreSQL and Redis keep the
real time: a product that reads the database's clock beside Python's shows up
as a failure under a moved clock, as it should.

``python -m tests.clock MODULE ARGS...`` runs ``python -m MODULE ARGS...``
with the clock moved by ``TEST_CLOCK_OFFSET`` seconds (no variable: real time).
"""

import datetime
import os
import runpy
import sys
import time

import pytest
import time_machine

OFFSET_VARIABLE = "TEST_CLOCK_OFFSET"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        metavar="ISO_DATETIME",
        default=os.environ.get("TEST_CLOCK") or None,
        help=(
            "run the tests as if the wall clock read this moment (ISO 8601 with its UTC "
            "offset, e.g. 2028-03-26T01:59:00+01:00); it keeps ticking. Default: $TEST_CLOCK."
        ),
    )


def pytest_configure(config: pytest.Config) -> None:
    value = config.getoption("clock")
    if not value:
        return
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"--clock: not an ISO 8601 date-time: {value!r}") from None
    if moment.tzinfo is None:
        raise pytest.UsageError(f"--clock: give the UTC offset, e.g. {value}+01:00")
    time_machine.travel(moment, tick=True).start()
    config.stash[_moment_key] = moment


def pytest_report_header(config: pytest.Config) -> str | None:
    moment = config.stash.get(_moment_key, None)
    return None if moment is None else f"clock moved to {moment.isoformat()} (time-machine)"


_moment_key = pytest.StashKey[datetime.datetime]()


def clocked_command(module: str, *args: str) -> list[str]:
    """Return the command that runs ``python -m module args`` on this process's clock."""
    return [sys.executable, "-m", "tests.clock", module, *args]


def clock_environment() -> dict[str, str]:
    """Return the variables that give a subprocess this process's clock (none when it is real)."""
    if not time_machine.escape_hatch.is_travelling():
        return {}
    offset = time.time() - time_machine.escape_hatch.time.time()
    return {OFFSET_VARIABLE: repr(offset)}


def _run_module_on_moved_clock(argv: list[str]) -> None:
    offset = os.environ.get(OFFSET_VARIABLE)
    if offset:
        time_machine.travel(time.time() + float(offset), tick=True).start()
    module, *args = argv
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    _run_module_on_moved_clock(sys.argv[1:])
