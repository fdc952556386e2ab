"""When to poll a take again: its ready moment estimated from what the take says about itself (no I/O).

The service reports a take's progress a quarter at a time: ``waiting``, ``started``, ``progress_25``,
``progress_50``, ``progress_75``, then ``ready``. A poll bounds each change on both sides: a status first
seen by a poll sent at ``t2`` and not by the poll sent at ``t1`` changed in ``(t1, t2]``. If generation goes
at an even pace from ``started`` (at ``S``) a quarter every ``D`` seconds, every bound is a straight line in
the plane of ``(S, D)``, and the pairs that fit them all are a convex polygon: the ready moment
``S + 4 D`` lies between that polygon's extremes, and its centroid is the best single guess. A take whose
statuses do not fit an even pace (statuses in bursts, a long wait in the queue) is judged by its later
statuses only, and failing that polled on a blind schedule never more than ``LATE_GAP`` apart.

Polls are budgeted by what the official SDK's fixed 0.5 s polling would send for the same take: one at
the next status's likeliest moment while that sharpens the estimate and the budget allows, then the
first look for ``ready`` at the likeliest moment, then the rest spread over what remains of the window
(``FINE`` apart at first). Short takes say too little about their pace to be both punctual and within
that count: past the estimate up to ``OVERDRAFT`` polls more are spent before going straight to the
latest moment the statuses allow. Earlier takes of the same voice with texts of about the same length
(``ReadyHistory``) say when a take is first looked at, if that comes sooner, and stand in for an estimate
until its own statuses give one; they are forgotten as soon as the take contradicts them. A prior that
steered the estimate itself would make a take that is slower than the others very late.
"""

from __future__ import annotations

import math
import statistics
import threading
from collections import deque

INF = math.inf
READY = 5
"""The rank of every final status."""
RANKS = {"waiting": 0, "started": 1, "progress_25": 2, "progress_50": 3, "progress_75": 4}
RANKS.update(dict.fromkeys(("ready", "error", "timeout"), READY))
QUARTERS = (0, 0, 1, 2, 3, 4)
"""By rank: quarters of generation done when a take reaches it (``started`` is at 0)."""

OFFICIAL = 0.5
"""The official SDK's polling interval: no take costs more status requests than it would."""
FINE = 0.03
"""Seconds between polls around the estimated ready moment, when the budget allows."""
LATE_GAP = 0.5
"""Never longer between polls than this once the estimate has passed (or without one)."""
MAX_GAP = 4.0
"""Never longer between polls than this on an estimate's word: an error can come at any moment."""
BLIND_FIRST = 0.25
"""Without an estimate: the first poll after the generate answer, then as long again as has passed."""
PRIOR = (0.75, 1.33)
"""An earlier take's generation time, times these, bounds this one's until its statuses say otherwise."""
PIN_RESERVE = 2
"""A poll to pin the next status is spent only while the budget leaves this many for the ready moment."""
OVERDRAFT = 3
"""Past the estimate, polls beyond the budget allowed before going straight to the latest moment: short
takes give too few statuses to be both punctual and within the official SDK's count, and punctual wins."""
PRIOR_AIM = 1.02
"""The earlier takes' generation time, times this, is where a take is first looked at if that comes sooner."""
BIG = 1e6
"""Seconds: the sides of the (S, D) plane before any bound is drawn."""

Point = tuple[float, float]


def clip(polygon: list[Point], a: float, b: float, c: float) -> list[Point]:
    """The part of a convex polygon where ``a*S + b*D <= c`` (Sutherland-Hodgman, one edge)."""
    kept: list[Point] = []
    for i, p in enumerate(polygon):
        q = polygon[(i + 1) % len(polygon)]
        fp, fq = a * p[0] + b * p[1] - c, a * q[0] + b * q[1] - c
        if fp <= 0:
            kept.append(p)
        if (fp < 0 < fq) or (fq < 0 < fp):
            t = fp / (fp - fq)
            kept.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return kept


def centroid(polygon: list[Point]) -> Point:
    """The centroid of a convex polygon (of its vertices when it has no area)."""
    area = cs = cd = 0.0
    for i, (s0, d0) in enumerate(polygon):
        s1, d1 = polygon[(i + 1) % len(polygon)]
        cross = s0 * d1 - s1 * d0
        area, cs, cd = area + cross, cs + (s0 + s1) * cross, cd + (d0 + d1) * cross
    if abs(area) < 1e-12:
        n = len(polygon)
        return sum(p[0] for p in polygon) / n, sum(p[1] for p in polygon) / n
    return cs / (3 * area), cd / (3 * area)


class ReadyEstimate:
    """One take's status timeline, and the moment it is best polled again.

    ``start`` is when the generate answer (or the first poll) arrived; ``expected`` is a prior for the
    seconds from ``start`` to ready (from `ReadyHistory`), or None.
    """

    def __init__(self, start: float, expected: float | None = None) -> None:
        self.start = start
        self.expected = expected
        self.lo = [start] * (READY + 1)  # by rank: the change to it came after this moment ...
        self.hi = [INF] * (READY + 1)  # ... and at or before this one
        self.rank = 0
        self.polls = 0
        self.last = start  # when the last poll was sent
        self._aimed: float | None = None  # the first poll planned for the ready moment
        self._aimed_after = 0  # polls made before it
        self._aimed_prior = False  # it is the earlier takes' moment, not this one's
        self._planned: tuple[tuple[float, ...], float] | None = None  # (the state it was planned in, the moment)

    def observe(self, status: str, sent: float, received: float, *, poll: bool = True) -> None:
        """A status seen by a request sent at ``sent`` whose answer came at ``received``."""
        # Statuses never go back (a stale answer adds nothing); one this module does not know says nothing.
        rank = max(RANKS.get(status, 0), self.rank)
        self.polls += poll
        self.last = max(self.last, sent)
        for k in range(1, READY + 1):
            if k <= rank:
                self.hi[k] = min(self.hi[k], received)
            elif sent < self.hi[k]:
                self.lo[k] = max(self.lo[k], sent)
        self.rank = rank

    def _region(self, first: int, prior: bool) -> list[Point] | None:
        """The (S, D) that fit every bound of ranks ``first`` and up (and the prior); None if empty or unbounded."""
        polygon = [(self.start - BIG, 0.0), (BIG, 0.0), (BIG, BIG), (self.start - BIG, BIG)]
        if prior:
            if self.expected is None:
                return None
            polygon = clip(polygon, -1.0, -4.0, -(self.start + self.expected * PRIOR[0]))
            polygon = clip(polygon, 1.0, 4.0, self.start + self.expected * PRIOR[1])
        for k in range(first, READY + 1):
            quarters = QUARTERS[k]
            polygon = clip(polygon, -1.0, -quarters, -self.lo[k])  # S + n D > lo
            if self.hi[k] < INF:
                polygon = clip(polygon, 1.0, quarters, self.hi[k])  # S + n D <= hi
            if len(polygon) < 3:
                return None
        if any(abs(s) > BIG / 2 or d > BIG / 2 for s, d in polygon):
            return None
        return polygon

    def region(self) -> tuple[list[Point] | None, bool]:
        """The (S, D) polygon the estimate stands on: from the take's statuses, else from its last statuses,
        else from the prior; and whether it is all of the take's own statuses."""
        polygon = self._region(1, False)
        if polygon is not None:
            return polygon, True
        if self.rank >= 2:
            polygon = self._region(self.rank - 1, False)
        if polygon is None and self.expected is not None:
            polygon = self._region(1, True)
            if polygon is None:  # the take is not like the earlier ones: forget them, and the aim they gave
                self.expected, self._aimed = None, None
        return polygon, False

    def _blind(self) -> float:
        """The gap between polls without an estimate of the take's own: as long as has passed, within bounds."""
        return min(max(BLIND_FIRST, self.last - self.start), LATE_GAP)

    def ready_at(self) -> tuple[float, float, float] | None:
        """The earliest, likeliest and latest ready moment; None without an estimate."""
        polygon, _ = self.region()
        if polygon is None:
            return None
        s, d = centroid(polygon)
        moments = [p + 4 * q for p, q in polygon]
        return min(moments), s + 4 * d, max(moments)

    def official(self, ready: float) -> int:
        """Status requests the official SDK's polling sends for a take ready at ``ready``."""
        return math.ceil(max(ready - self.start, 0.0) / OFFICIAL) + 1

    def due(self, now: float) -> float:
        """The moment this take is best polled next (``now`` or later); infinity once it is done."""
        state = (self.polls, self.rank, self.last, self.expected or 0.0)
        if self._planned is None or self._planned[0] != state:  # planned once per poll, however often asked
            self._planned = state, self._plan()
        return max(now, self._planned[1])

    def _plan(self) -> float:
        if self.rank == READY:
            return INF
        polygon, own = self.region()
        if polygon is None:  # no estimate: a blind schedule
            return self.last + self._blind()
        s, d = centroid(polygon)
        moments = [p + 4 * q for p, q in polygon]
        earliest, likeliest, latest = min(moments), s + 4 * d, max(moments)
        # The prior alone is trusted no further than the blind schedule: the take may not be like the others.
        cap = self.last + (MAX_GAP if own else self._blind())
        nxt = self.rank + 1
        if (
            own
            and nxt < READY
            and latest - earliest > 3 * FINE
            and self.official(likeliest) - self.polls >= PIN_RESERVE
        ):
            # Budget for it: a poll at the next status's likeliest moment halves what is known of it.
            at = s + QUARTERS[nxt] * d
            spread = [p + QUARTERS[nxt] * q for p, q in polygon]
            if at < likeliest - FINE and max(spread) - min(spread) > FINE:
                return min(at, cap)
        if self._aimed_prior and self._aimed is not None and self.last >= self._aimed:
            self.expected, self._aimed, self._aimed_prior = None, None, False  # it was not ready then: own aim
        if self._aimed is None or self.last < self._aimed:
            # The first poll for ready: at the likeliest moment, or earlier by what the budget leaves spare.
            spare = max(1, self.official(likeliest) - self.polls)
            self._aimed, self._aimed_prior = max(earliest, likeliest - (spare - 1) * FINE / 2) + 0.003, False
            if own and self.expected is not None and earliest <= self.start + self.expected * PRIOR_AIM < self._aimed:
                # Earlier takes like this one were ready sooner: look then too (a poll sooner, never later).
                self._aimed, self._aimed_prior = self.start + self.expected * PRIOR_AIM + 0.003, True
            self._aimed_after = self.polls
            if self.last < self._aimed:
                return min(self._aimed, cap)
        # Past it and still not ready: the polls left spread over the rest of the window.
        spare = self.official(latest) - self.polls
        late = self.polls - self._aimed_after
        if spare + OVERDRAFT <= 0:  # far over the budget: straight to the latest moment the statuses allow
            step = max(FINE, latest + 0.003 - self.last)
        else:
            step = min(max(FINE, (latest - self.last) / (max(spare, 1) + 1)), FINE * 2.0**late)
        return self.last + min(step, LATE_GAP)

    def generated_in(self) -> float | None:
        """Seconds from ``start`` to ready, once seen ready: the likeliest moment within its bounds, which
        the earlier statuses narrow (else the middle of the bounds)."""
        if self.rank < READY or self.hi[READY] == INF:
            return None
        estimate = self.ready_at()
        ready = (self.lo[READY] + self.hi[READY]) / 2 if estimate is None else estimate[1]
        return min(max(ready, self.lo[READY]), self.hi[READY]) - self.start


class ReadyHistory:
    """How long earlier takes of each voice took to generate, by text length (within a factor of two).

    Shared by every wait of one client (threads included); bounded: the last few takes a voice and length.
    """

    KEEP = 5
    VOICES = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seconds: dict[tuple[str, int], deque[float]] = {}

    @staticmethod
    def _key(voice_id: str, text_length: int) -> tuple[str, int]:
        return voice_id, max(text_length, 1).bit_length()

    def expected(self, voice_id: str, text_length: int) -> float | None:
        """The median generation time of recent takes of this voice and about this length, or None."""
        with self._lock:
            seen = self._seconds.get(self._key(voice_id, text_length))
            return statistics.median(seen) if seen else None

    def record(self, voice_id: str, text_length: int, seconds: float) -> None:
        key = self._key(voice_id, text_length)
        with self._lock:
            if key not in self._seconds and len(self._seconds) >= self.VOICES:
                del self._seconds[next(iter(self._seconds))]
            self._seconds.setdefault(key, deque(maxlen=self.KEEP)).append(seconds)
