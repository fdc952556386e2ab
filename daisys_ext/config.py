"""Where the client connects and how patiently: URLs from arguments or the environment, timeouts, retries."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import httpx

from .errors import DaisysInputError
from .retry import RetryPolicy
from .waiting import PollSchedule

DEFAULT_URL = "https://api.daisys.ai"
PRODUCTS = {"speak": ("v1",)}


@dataclass(frozen=True)
class ClientConfig:
    """Everything about a client that is not a credential."""

    product_url: str
    auth_url: str
    timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(30.0, connect=10.0))
    # Audio can stream for as long as generation takes: a long read timeout between chunks.
    audio_timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(300.0, connect=10.0))
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    poll: PollSchedule = field(default_factory=PollSchedule)

    @classmethod
    def resolve(
        cls,
        *,
        daisys_url: str | None = None,
        auth_url: str | None = None,
        product: str = "speak",
        version: str = "v1",
        timeout: float = 30.0,
        audio_timeout: float = 300.0,
        max_retries: int = 2,
        poll: PollSchedule | None = None,
    ) -> ClientConfig:
        """Build a config from arguments, falling back to DAISYS_API_URL / DAISYS_AUTH_URL, then the defaults."""
        if version not in PRODUCTS.get(product, ()):
            raise DaisysInputError(f"Unknown product {product!r} version {version!r}; this client supports speak v1.")
        if timeout <= 0 or audio_timeout <= 0 or max_retries < 0:
            raise DaisysInputError("timeout and audio_timeout must be positive and max_retries not negative.")
        base = (daisys_url or os.environ.get("DAISYS_API_URL") or DEFAULT_URL).rstrip("/")
        return cls(
            product_url=f"{base}/{version}/{product}",
            auth_url=(auth_url or os.environ.get("DAISYS_AUTH_URL") or base).rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
            audio_timeout=httpx.Timeout(audio_timeout, connect=min(10.0, timeout)),
            retry=RetryPolicy(max_retries=max_retries, deadline=timeout),
            poll=poll or PollSchedule(),
        )

    @property
    def public_paths(self) -> frozenset[str]:
        """Paths of the product that need no token (the spec's operations without security)."""
        return frozenset({httpx.URL(self.product_url).path + "/version"})


def credentials_from_env(
    email: str | None, password: str | None, access_token: str | None, refresh_token: str | None
) -> tuple[str | None, str | None]:
    """Email and password, from DAISYS_EMAIL / DAISYS_PASSWORD when no credential was given at all."""
    if email is None and password is None and access_token is None and refresh_token is None:
        return os.environ.get("DAISYS_EMAIL"), os.environ.get("DAISYS_PASSWORD")
    return email, password
