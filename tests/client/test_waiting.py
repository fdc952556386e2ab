"""Waiting for takes against the emulator, both flavours: the ready estimate's cost in status requests, and
``wait_timeout`` (with ``timeout``, the official SDK's name for it)."""

from __future__ import annotations

import math

import pytest
from support.flavours import Api

from daisys_ext import DaisysInputError, DaisysTimeoutError
from daisys_ext.testing import Emulator

PRODUCT = "/v1/speak"


def status_requests(emu: Emulator, take_id: str) -> int:
    """GETs of the take alone or in a list, as the emulator recorded them."""
    single = emu.requests_to("api", f"{PRODUCT}/takes/{take_id}")
    listed = [r for r in emu.requests_to("api", f"{PRODUCT}/takes") if take_id in r.params.get("take_id", [""])[0]]
    return len([r for r in single if r.method == "GET"]) + len(listed)


@pytest.mark.parametrize("seconds", [0.7, 2.9])
async def test_a_take_waited_for_costs_about_what_the_official_polling_would(
    api: Api, emu: Emulator, voice_id: str, seconds: float
) -> None:
    emu.take_seconds = seconds
    """Short takes cost a few polls more than the official SDK's (to be punctual: `_http/ready.py`), long
    ones fewer (`tests/unit/test_ready.py` counts a whole sweep)."""
    take = await api.generate_take(voice_id, "Ready detection, measured.")
    assert take.status == "ready"
    official = math.ceil(seconds / 0.5) + 1  # one poll at once, then one every 0.5 s
    assert 1 <= status_requests(emu, take.take_id) <= official + 5


async def test_wait_timeout_and_the_official_name_for_it(api: Api, emu: Emulator, voice_id: str) -> None:
    emu.take_seconds = 5.0
    take = await api.generate_take(voice_id, "Slow.", wait=False)
    for kwargs in ({"wait_timeout": 0.3}, {"timeout": 0.3}, {"wait_timeout": 0.3, "timeout": 0.3}):
        with pytest.raises(DaisysTimeoutError) as info:
            await api.wait_for_takes(take.take_id, **kwargs)
        assert [t.take_id for t in info.value.last] == [take.take_id]
    before = len(emu.requests)
    with pytest.raises(DaisysInputError, match=r"wait_timeout=0\.3 and timeout=2"):
        await api.wait_for_takes(take.take_id, wait_timeout=0.3, timeout=2)
    assert len(emu.requests) == before  # refused before anything was sent
    with pytest.raises(DaisysTimeoutError):
        await api.generate_take(voice_id, "Slow too.", wait_timeout=0.2)
