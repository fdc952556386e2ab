"""What the fleet tests (tests/fleet) ask of the emulator: client options pointing at it, and its auth requests."""

from __future__ import annotations

from typing import Any

from daisys_ext.testing import Emulator


def client_options(emu: Emulator, **more: Any) -> dict[str, Any]:
    """A client's URLs on the emulator, with ``more`` options."""
    return {"daisys_url": emu.api_url, "auth_url": emu.api_url, **more}


def logins(emu: Emulator) -> int:
    """How many logins the emulator received."""
    return len(emu.requests_to("api", "/auth/login"))


def refreshes(emu: Emulator) -> list[int | None]:
    """The statuses of the refreshes the emulator received, in order."""
    return [r.status for r in emu.requests_to("api", "/auth/refresh")]
