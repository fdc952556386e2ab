"""When to poll a take again: its ready moment estimated from what the take says about itself (no I/O).

The service reports a take's progress a quarter at a time: ``waiting``, ``started``, ``progress_25``,
``progress_50``, ``progress_75``, then ``ready``. A poll bounds each change on both sides: a status first
seen by a poll sent at ``t2`` and not by the poll sent at ``t1`` changed in ``(t1, t2]``. If generation goes
at an even pace from ``started`` (at ``S``) a quarter every ``D`` seconds, every bound is a straight line in
the plane of ``(S, D)``, and the pairs that fit them all are a convex polygon: the ready moment
``S + 4 D`` lies between that polygon's extremes. A take whose statuses do not fit an even pace (statuses
in bursts, a long wait in the queue) is judged by its later statuses only, and failing that polled on a
blind schedule never more than ``LATE_GAP`` apart.

The next poll is the moment that costs least in expectation, every pace in the polygon taken as equally
likely: a poll costs ``POLL_COST`` seconds of lateness, a poll that sees the take ready costs how late it
is, and one that does not costs what is left to do: scanning the narrower window that remains, ``n`` polls
for ``n`` times less lateness. Only the statuses still to come are candidates, and never past the latest
moment of the next one (a status skipped is a bound lost). Short takes say too little about their pace to
be punctual within the official SDK's count (its 0.5 s polling); long ones need far fewer, so a sweep of
generation times costs fewer polls than the official SDK's in all. Earlier takes of the same voice with
texts of about the same length (`ReadyHistory`) make the paces like theirs likelier (never the others
impossible, so that a take slower or faster than they were is not late), and stand in for an estimate
until the take's own statuses give one.
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

POLL_COST = 0.0035
"""Seconds of lateness one poll is worth: less, and short takes poll more to be punctual; more, and later."""
CANDIDATES = 12
"""Moments weighed for the next poll (besides the next statuses' likeliest ones), denser near now."""
MARGIN = 0.003
"""Added to a moment the statuses allow at the latest, so that the poll lands after it, not on it."""
CLOSEST = 0.01
"""Seconds between polls at the least (doubled with each poll that missed a status that was due)."""
LATE_GAP = 0.5
"""Never longer between polls than this without an estimate of the take's own."""
MAX_GAP = 4.0
"""Never longer between polls than this on an estimate's word: an error can come at any moment."""
BLIND_FIRST = 0.25
"""Without an estimate: the first poll after the generate answer (then as long again as has passed)."""
PRIOR = (0.75, 1.33)
"""An earlier take's generation time, times these, bounds the paces like theirs."""
ALIKE = 1.0
"""How much the paces like the earlier takes' weigh, against all that the take's statuses allow."""
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
    twice = cs = cd = 0.0  # twice the signed area, and the moments
    for i, (s0, d0) in enumerate(polygon):
        s1, d1 = polygon[(i + 1) % len(polygon)]
        cross = s0 * d1 - s1 * d0
        twice, cs, cd = twice + cross, cs + (s0 + s1) * cross, cd + (d0 + d1) * cross
    if abs(twice) < 1e-12:
        n = len(polygon)
        return sum(p[0] for p in polygon) / n, sum(p[1] for p in polygon) / n
    return cs / (3 * twice), cd / (3 * twice)


def area(polygon: list[Point]) -> float:
    """The area of a convex polygon (shoelace)."""
    twice = 0.0
    for i, (s0, d0) in enumerate(polygon):
        s1, d1 = polygon[(i + 1) % len(polygon)]
        twice += s0 * d1 - s1 * d0
    return abs(twice) / 2


def seen_at(polygon: list[Point], rank: int, moment: float) -> list[Point]:
    """The paces in ``polygon`` at which a poll at ``moment`` sees the status of ``rank``."""
    if rank >= 1:  # that status has come: S + n D <= moment
        polygon = clip(polygon, 1.0, QUARTERS[rank], moment)
    if rank < READY and len(polygon) >= 3:  # the next has not: S + n D > moment
        polygon = clip(polygon, -1.0, -QUARTERS[rank + 1], -moment)
    return polygon


def scan_cost(width: float) -> float:
    """What finding the ready moment in a window ``width`` long costs from here: ``n`` polls spread over it,
    each worth `POLL_COST`, and half the gap between them of lateness, with the best ``n``."""
    polls = max(1.0, math.sqrt(width / (2 * POLL_COST)))
    return POLL_COST * polls + width / (2 * polls)


class ReadyEstimate:
    """One take's status timeline, and the moment it is best polled again.

    ``start`` is the earliest moment the take can have moved on: when its generate request was sent (else when
    the wait began); ``expected`` is a prior for the seconds from ``start`` to ready (from `ReadyHistory`), or None.
    """

    def __init__(self, start: float, expected: float | None = None) -> None:
        self.start = start
        self.expected = expected
        self.lo = [start] * (READY + 1)  # by rank: the change to it came after this moment ...
        self.hi = [INF] * (READY + 1)  # ... and at or before this one
        self.rank = 0
        self.polls = 0
        self.last = start  # when the last poll was sent
        self._moved = 0  # polls made when the status last moved on
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
        if rank > self.rank:
            self.rank, self._moved = rank, self.polls

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
            if polygon is None:  # the take is not like the earlier ones: forget them
                self.expected = None
        return polygon, False

    def _blind(self) -> float:
        """The gap between polls without an estimate of the take's own, within bounds: as long again as the
        take has waited, and once it has started, half as long as it has been generating (a pace in sight)."""
        if self.rank == 0:
            return min(max(BLIND_FIRST, self.last - self.start), LATE_GAP)
        return min(max(BLIND_FIRST, (self.last - self.lo[1]) / 2), LATE_GAP)

    def ready_at(self) -> tuple[float, float, float] | None:
        """The earliest, likeliest and latest ready moment; None without an estimate."""
        polygon, _ = self.region()
        if polygon is None:
            return None
        s, d = centroid(polygon)
        moments = [p + 4 * q for p, q in polygon]
        return min(moments), s + 4 * d, max(moments)

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
        paces = [(polygon, 1.0)]
        if own and self.expected is not None:  # the paces like the earlier takes' weigh more
            alike = self._region(1, True)
            if alike is None:  # the take is not like them: forget them
                self.expected = None
            else:
                paces.append((alike, ALIKE))
        at = self._cheapest(polygon, paces)
        # The prior alone is trusted no further than the blind schedule: the take may not be like the others.
        return min(at, self.last + (MAX_GAP if own else self._blind()))

    def _cheapest(self, polygon: list[Point], paces: list[tuple[list[Point], float]]) -> float:
        """The moment to poll that costs least in expectation (see the module's docstring): ``polygon`` is all
        that the statuses allow, ``paces`` how likely each part of it is (polygons, each with a weight)."""
        nxt = self.rank + 1
        # Twice as far apart with each poll that did not see the next status come when it was due: a pace
        # that does not hold (statuses in bursts) would otherwise be chased poll after poll.
        first = self.last + CLOSEST * (2.0 ** min(self.polls - self._moved, 6) if nxt < READY else 1.0)
        top = max(s + 4 * d for s, d in polygon) + MARGIN
        if nxt < READY:  # never past the next status's latest moment: a status skipped is a bound lost
            top = min(top, max(s + QUARTERS[nxt] * d for s, d in polygon) + MARGIN)
        total = sum(weight for _, weight in paces)
        weighed = [(p, weight / total / area(p)) for p, weight in paces if area(p) > 1e-12]
        if top <= first or not weighed:
            return max(top, first)
        s, d = centroid(weighed[-1][0])
        moments = {first + (top - first) * (i / CANDIDATES) ** 1.5 for i in range(1, CANDIDATES + 1)}
        moments.update(s + QUARTERS[k] * d for k in range(nxt, READY + 1) if first < s + QUARTERS[k] * d < top)
        best: float = min(
            sorted(moments), key=lambda moment: sum(self._cost(p, density, moment) for p, density in weighed)
        )
        return best

    def _cost(self, polygon: list[Point], density: float, moment: float) -> float:
        """What each status a poll at ``moment`` may see leaves to do, weighed by its share of the paces
        (``density`` times its area)."""
        cost = 0.0
        for rank in range(self.rank, READY + 1):
            part = seen_at(polygon, rank, moment)
            share = area(part) * density if len(part) >= 3 else 0.0
            if share <= 0.0:
                continue
            if rank == READY:  # seen ready: as late as the poll is after the moment it became ready
                s, d = centroid(part)
                cost += share * (moment - s - 4 * d)
            else:
                ready = [s + 4 * d for s, d in part]
                cost += share * scan_cost(max(ready) - max(min(ready), moment))
        return cost

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
