"""Django's Redis cache, for counters that must not stop the site when Redis does.

The cache holds only the sign-in and reset rate limits (django-ratelimit). With
the broker's Redis hung or down, each of its calls gave up after its socket
time-out and raised: every sign-in was a server error. Here a failed call is a
miss, logged; django-ratelimit then lets the form through (RATELIMIT_FAIL_OPEN),
and django-axes, which counts in the database, still locks a guessed card.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class ForgivingRedisCache(RedisCache):
    def _forgiving(self, what: str, default, call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except RedisError:
            logger.warning("Cache %s failed: Redis does not answer", what, exc_info=True)
            return default

    def add(self, *args, **kwargs):
        return self._forgiving("add", False, super().add, *args, **kwargs)

    def get(self, key, default=None, version=None):
        return self._forgiving("get", default, super().get, key, default, version)

    def set(self, *args, **kwargs):
        return self._forgiving("set", None, super().set, *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._forgiving("delete", False, super().delete, *args, **kwargs)

    def incr(self, key, delta=1, version=None):
        value = self._forgiving("incr", None, super().incr, key, delta, version)
        if value is None:
            raise ValueError("cache unavailable")  # what django-ratelimit expects of a miss
        return value
