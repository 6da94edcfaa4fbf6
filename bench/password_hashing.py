"""What one sign-in costs in CPU and memory, with each password hasher the project could use.

    .venv/bin/python bench/password_hashing.py [--rounds 20]

In a lockdown rush the sign-ins are the costliest requests: PBKDF2 at Django's
default (1,000,000 iterations) spent 0.35 s of CPU on each, more than half of a
2-core machine's time under the rush mix. The baseline is that PBKDF2, measured
in the same run; each Argon2id setting prints its time per check, its ratio to
the baseline, and the memory it asks for (what parallel sign-ins add up to).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher  # noqa: E402

from accounts.passwords import NetworkArgon2PasswordHasher  # noqa: E402

PASSWORD = "correct horse battery staple"  # noqa: S105 - what is hashed, not a secret


def seconds_per_check(hasher, rounds: int) -> float:
    encoded = hasher.encode(PASSWORD, hasher.salt())
    timings = []
    for _ in range(rounds):
        started = time.process_time()
        assert hasher.verify(PASSWORD, encoded)
        timings.append(time.process_time() - started)
    return statistics.median(timings)


def argon2(time_cost: int, memory_kib: int, parallelism: int):
    class Tuned(Argon2PasswordHasher):
        pass

    Tuned.time_cost, Tuned.memory_cost, Tuned.parallelism = time_cost, memory_kib, parallelism
    return Tuned()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds

    baseline = seconds_per_check(PBKDF2PasswordHasher(), rounds)
    print(
        f"PBKDF2-SHA256, {PBKDF2PasswordHasher.iterations:,} iterations (baseline): "
        f"{baseline * 1000:.0f} ms of CPU per sign-in"
    )
    chosen = NetworkArgon2PasswordHasher
    candidates = [
        ("Django's Argon2 default", argon2(2, 102_400, 8)),
        ("OWASP minimum (t=2, m=19 MiB, p=1)", argon2(2, 19_456, 1)),
        (
            f"the project's (t={chosen.time_cost}, m={chosen.memory_cost // 1024} MiB, "
            f"p={chosen.parallelism})",
            chosen(),
        ),
    ]
    for label, hasher in candidates:
        cost = seconds_per_check(hasher, rounds)
        print(
            f"Argon2id, {label}: {cost * 1000:.0f} ms of CPU per sign-in, "
            f"{cost / baseline:.2f}x the baseline, {hasher.memory_cost // 1024} MiB each"
        )


if __name__ == "__main__":
    main()
