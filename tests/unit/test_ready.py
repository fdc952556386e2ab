"""The ready estimate on recorded status timelines: how late a wait sees a take ready, and at what cost in polls.

Each timeline is a list of (seconds after the generate answer, status). The waiting loop is played against it
with a simulated clock (a 2 ms round trip), as `_wait` drives it: the take is polled when its estimate says.
The budget is what the official SDK's fixed 0.5 s polling sends for the same take.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

import pytest

from daisys_ext._http.ready import LATE_GAP, ReadyEstimate, ReadyHistory
from daisys_ext._http.waiting import WaitTracker

RTT = 0.002
Timeline = list[tuple[float, str]]


def even(seconds: float, waiting: float = 0.1) -> Timeline:
    """The emulator's pacing: ``waiting`` of the time in the queue, then a quarter at a time to ready."""
    start = seconds * waiting
    span = seconds - start
    marks = [(start, "started"), *((start + span * q / 4, f"progress_{25 * q}") for q in (1, 2, 3))]
    return [*marks, (seconds, "ready")]


def status_at(timeline: Timeline, moment: float) -> str:
    status = "waiting"
    for at, name in timeline:
        if moment >= at:
            status = name
    return status


def official_polls(ready: float) -> int:
    """Status requests of the official SDK for a take ready at ``ready``: one at once, then every 0.5 s."""
    return math.ceil(ready / 0.5) + 1


def play(timeline: Timeline, expected: float | None = None) -> tuple[int, float]:
    """Polls the estimate asks for and how late (s) it sees the take ready."""
    estimate = ReadyEstimate(0.0, expected)
    estimate.observe("waiting", 0.0, 0.0, poll=False)
    ready = timeline[-1][0]
    now = 0.0
    while True:
        now = estimate.due(now) + 0.0005
        status = status_at(timeline, now + RTT / 2)
        estimate.observe(status, now, now + RTT)
        now += RTT
        if status in ("ready", "error"):
            return estimate.polls, now - ready
        assert estimate.polls < 1000


SECONDS = (0.5, 0.7, 1.0, 1.3, 1.7, 2.2, 2.9, 3.6, 5.0, 7.3, 10.0, 14.0, 20.0, 30.0)


def sweep(seconds: float, expected: float | None = None) -> tuple[list[int], list[float]]:
    """Polls and lateness over 15 takes of about ``seconds`` (1 % apart: the poll times fall differently)."""
    results = [play(even(seconds * (1 + 0.01 * n)), expected and expected * (1 + 0.01 * n)) for n in range(15)]
    return [polls for polls, _ in results], [late for _, late in results]


@pytest.mark.parametrize("seconds", SECONDS)
def test_takes_are_seen_ready_soon_after_at_every_generation_time(seconds: float) -> None:
    """No history: median lateness under 40 ms at every generation time (the official SDK: 250 ms on average);
    below 7 s a few polls more than the official SDK (the price of being punctual), from 7 s up no more."""
    polls, late = sweep(seconds)
    assert min(late) >= 0
    assert statistics.median(late) < 0.04
    assert max(late) <= LATE_GAP + 0.01
    assert statistics.median(polls) <= official_polls(seconds) + (5 if seconds < 7 else 0)


def test_a_sweep_of_generation_times_costs_fewer_polls_than_the_official_sdk() -> None:
    ours = sum(sum(sweep(seconds)[0]) for seconds in SECONDS)
    assert ours <= 15 * sum(official_polls(seconds) for seconds in SECONDS)


@pytest.mark.parametrize("factor", (1.0, 0.3, 0.7, 1.4, 3.0))
def test_a_history_right_or_wrong_keeps_the_wait_punctual_and_bounded(factor: float) -> None:
    """Earlier takes' generation times weigh the paces like theirs, and no more: a wrong history is dropped
    when the take contradicts it, and meanwhile costs a few polls at most, never punctuality."""
    for seconds in (0.7, 1.3, 2.9, 5.0, 14.0):
        polls, late = sweep(seconds, expected=seconds * factor)
        assert statistics.median(late) < 0.04, seconds
        assert max(late) <= LATE_GAP + 0.01
        assert statistics.median(polls) <= statistics.median(sweep(seconds)[0]) + 3, seconds


def test_the_history_of_takes_like_it_brings_a_short_take_sooner() -> None:
    """With earlier takes of the same voice and length to go by, the paces like theirs weigh more: sooner."""
    short = (1.3, 1.7, 2.2, 2.9)
    without = [statistics.median(sweep(seconds)[1]) for seconds in short]
    with_history = [statistics.median(sweep(seconds, expected=seconds)[1]) for seconds in short]
    assert statistics.mean(with_history) < 0.75 * statistics.mean(without)


def test_statuses_in_bursts() -> None:
    """A service that reports three statuses at once, then nothing until ready: an uneven pace."""
    timeline = [(0.4, "started"), (0.41, "progress_25"), (0.42, "progress_50"), (3.0, "progress_75"), (4.0, "ready")]
    polls, late = play(timeline)
    assert 0 <= late <= LATE_GAP + 0.01
    assert polls <= official_polls(4.0) + 5


def test_a_take_that_sits_in_the_queue_for_seconds() -> None:
    for queued in (2.0, 6.0):
        timeline = [(queued + at, status) for at, status in even(2.0, waiting=0.0)]
        polls, late = play(timeline)
        assert 0 <= late < 0.15, queued
        assert polls <= official_polls(timeline[-1][0]) + 1, queued


def test_a_take_that_fails_midway_is_seen_within_the_longest_gap() -> None:
    timeline = [*even(10.0)[:2], (4.0, "error")]
    polls, late = play(timeline)
    assert late <= 4.0 and polls <= official_polls(4.0) + 1


def test_the_bounds_of_each_status_come_from_the_polls_around_it() -> None:
    estimate = ReadyEstimate(0.0)
    estimate.observe("started", 0.25, 0.26)
    assert estimate.ready_at() is None  # one mark gives no pace
    estimate.observe("progress_50", 1.0, 1.01)
    earliest, likeliest, latest = estimate.ready_at() or (0, 0, 0)
    # started in (0, 0.26], progress_50 in (0.25, 1.01] (and not reached at 0.25): ready between
    # progress_50 at the earliest and twice its distance from the latest start.
    assert 1.0 <= earliest <= likeliest <= latest <= 2 * 1.01
    estimate.observe("progress_75", 1.4, 1.41)
    narrower = estimate.ready_at() or (0, 0, 0)
    assert narrower[2] - narrower[0] < latest - earliest


@dataclass
class Take:
    take_id: str
    status: Status
    voice_id: str = "v1"
    text: str = "Ready detection."


class Status(str):
    def done(self) -> bool:
        return self in ("ready", "error", "timeout")


def test_a_tracker_polls_only_the_takes_that_are_due_and_learns_their_generation_times() -> None:
    history = ReadyHistory()
    timelines = {"short": even(1.0), "long": even(8.0)}

    def describe(take: Take) -> tuple[str, int]:
        return take.voice_id, len(take.text)

    tracker: WaitTracker[Take] = WaitTracker(
        list(timelines), lambda t: t.take_id, now=0.0, history=history, describe=describe
    )
    tracker.update([Take(i, Status("waiting")) for i in timelines], 0.0, 0.0, poll=False)
    now, polled, alone = 0.0, {i: 0 for i in timelines}, 0
    while not tracker.done:
        now += tracker.pause(0.5, None, now=now) + 0.0005
        due = tracker.due(now)
        assert due
        alone += len(due) < len(tracker.pending())
        for take_id in due:
            polled[take_id] += 1
        tracker.update([Take(i, Status(status_at(timelines[i], now + RTT / 2))) for i in due], now, now + RTT)
        now += RTT
    assert alone  # a round without the take that was not due
    assert polled["short"] <= official_polls(1.0) + 5 and polled["long"] <= official_polls(8.0)
    learned = history.expected("v1", len("Ready detection."))
    assert learned is not None and 1.0 <= learned <= 8.1


def test_a_status_it_does_not_know_says_nothing_and_the_take_is_still_polled() -> None:
    estimate = ReadyEstimate(0.0)
    estimate.observe("started", 0.25, 0.26)
    estimate.observe("rendering", 0.5, 0.51)  # a status added by the service later
    assert estimate.rank == 1 and estimate.due(0.51) < 2.0
    estimate.observe("timeout", 1.0, 1.01)
    assert estimate.due(1.01) == math.inf  # final: nothing more to poll
