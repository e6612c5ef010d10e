"""A sliding-window rate limit, kept in this process's memory.

Neutral: the chat surfaces (per person) and the feed route (per token) share it. Each replica counts on its
own, so with N replicas behind a load balancer a person gets up to N times the limit; that is still a limit,
and keeping it in memory costs no database round trip per request (docs/security.md).
"""

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable

MAX_KEYS = 10_000  # forget idle keys beyond this many, so a flood of new keys can't grow memory for ever


class RateLimit:
    """At most ``limit`` events per key in any ``window`` seconds. ``clock`` is seconds, monotonic."""

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit needs limit >= 1 and a window longer than 0 seconds")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._seen: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: Hashable) -> bool:
        """Count one event for ``key`` and say whether it is within the limit (a refused one is not counted)."""
        now = self._clock()
        with self._lock:
            times = self._seen.setdefault(key, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            if len(self._seen) > MAX_KEYS:
                self._forget_idle(now)
            return True

    def retry_after(self, key: Hashable) -> int:
        """Whole seconds until ``key`` may act again (0 if it may now)."""
        now = self._clock()
        with self._lock:
            times = self._seen.get(key)
            if not times or len(times) < self.limit:
                return 0
            return max(1, int(times[0] + self.window - now + 0.999))

    def __len__(self) -> int:
        """How many keys are remembered."""
        return len(self._seen)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, t in self._seen.items() if not t or t[-1] <= now - self.window]:
            del self._seen[key]
