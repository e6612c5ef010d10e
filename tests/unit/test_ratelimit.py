"""bot/ratelimit.py: a sliding window per key, with a clock the test turns by hand."""

import pytest

from bot.ratelimit import MAX_KEYS, RateLimit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_slides_and_refusals_are_not_counted() -> None:
    clock = Clock()
    limit = RateLimit(3, window=60, clock=clock)
    assert [limit.allow("ann") for _ in range(4)] == [True, True, True, False]
    assert limit.allow("bob")  # others are not affected
    assert limit.retry_after("ann") == 60
    clock.now += 30
    assert not limit.allow("ann")  # still three in the last minute; the refusal does not extend the wait
    assert limit.retry_after("ann") == 30
    clock.now += 30
    assert limit.allow("ann") and limit.retry_after("ann") == 0


def test_idle_keys_are_forgotten_so_memory_stays_bounded() -> None:
    clock = Clock()
    limit = RateLimit(1, window=60, clock=clock)
    for i in range(MAX_KEYS):
        limit.allow(i)
    clock.now += 61
    assert len(limit) == MAX_KEYS
    limit.allow("new")
    assert len(limit) == 1  # every idle key went; the new one is counted
    assert not limit.allow("new")


@pytest.mark.parametrize(("n", "window"), [(0, 60), (1, 0)])
def test_a_limit_that_could_never_allow_anything_is_refused(n: int, window: float) -> None:
    with pytest.raises(ValueError, match="rate limit"):
        RateLimit(n, window)
