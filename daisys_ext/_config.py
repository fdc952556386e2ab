"""Where the client connects and how: URLs, headers, TLS, proxy, timeouts and retries (arguments, else environment)."""

from __future__ import annotations

import http.cookiejar
import os
import ssl
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TypedDict, Unpack

import httpx

from ._errors import DaisysInputError
from ._http.retry import RetryPolicy
from ._http.waiting import PollSchedule
from ._version import __version__

DEFAULT_URL = "https://api.daisys.ai"
PRODUCTS = {"speak": ("v1",)}
USER_AGENT = f"daisys-ext/{__version__}"
DEFAULT_MAX_CONCURRENCY = 64
"""Requests a client has open at once by default: past about this many, httpcore's pool costs more CPU a request."""

Verify = bool | str | ssl.SSLContext
"""``verify=``: True (the system's trust), False (no check), a CA bundle's path, or an ``ssl.SSLContext``."""


class ConnectionOptions(TypedDict, total=False):
    """How a client connects: the options ``Client``, ``AsyncClient`` and ``DaisysAPI`` take by keyword.

    Each is optional; its default is in ``ClientConfig.resolve``, the one place that reads them.
    """

    timeout: float
    """Seconds for a whole API call, retries included (default 30)."""
    audio_timeout: float
    """Seconds an audio download may wait for its next bytes (default 300: audio streams while generated)."""
    max_retries: int
    """Retries of a failed call that may be retried (default 2)."""
    poll: PollSchedule | None
    """When to ask again while waiting for takes and voices (default: ``PollSchedule()``)."""
    default_headers: Mapping[str, str] | None
    """Headers sent with every API request."""
    proxy: str | None
    """A proxy for the API, storage and websockets (default: the environment's HTTPS_PROXY, ...)."""
    verify: Verify
    """True (the system's trust), False (no check), a CA bundle's path, or an ``ssl.SSLContext``."""
    max_concurrency: int
    """Requests the client has open at once, API calls and downloads alike; the rest wait their turn (default 64)."""


class OptionOverrides(TypedDict, total=False):
    """What ``with_options`` may change, by keyword; a value left out (or None) keeps the current one."""

    timeout: float | None
    """Seconds for a whole API call, retries included."""
    audio_timeout: float | None
    """Seconds an audio download may wait for its next bytes."""
    max_retries: int | None
    """Retries of a failed call that may be retried."""
    max_concurrency: int | None
    """Requests open at once; a copy given its own counts apart from the original."""


class ClientOptions(ConnectionOptions, total=False):
    """Everything but the credentials and the httpx objects: where the client connects, and how."""

    daisys_url: str | None
    """The API's base URL (default: ``DAISYS_API_URL``, else https://api.daisys.ai)."""
    auth_url: str | None
    """The auth service's base URL (default: ``DAISYS_AUTH_URL``, else the API's)."""
    product: str
    """Only "speak"."""
    version: str
    """Only "v1"."""


@dataclass(frozen=True)
class ClientConfig:
    """Everything about a client that is not a credential; shared by the API, storage and websocket connections."""

    product_url: str
    auth_url: str
    timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(30.0, connect=10.0))
    # Audio can stream for as long as generation takes: a long read timeout between chunks.
    audio_timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(300.0, connect=10.0))
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    poll: PollSchedule = field(default_factory=PollSchedule)
    headers: Mapping[str, str] = field(default_factory=lambda: {"User-Agent": USER_AGENT})
    proxy: str | None = None
    verify: bool | ssl.SSLContext = True
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY

    @classmethod
    def resolve(cls, **options: Unpack[ClientOptions]) -> ClientConfig:
        """A config from a client's options, else DAISYS_API_URL / DAISYS_AUTH_URL, else the defaults."""
        _known_keywords(options, ClientOptions.__optional_keys__)
        product, version = options.get("product", "speak"), options.get("version", "v1")
        timeout, audio_timeout = options.get("timeout", 30.0), options.get("audio_timeout", 300.0)
        max_retries, proxy = options.get("max_retries", 2), options.get("proxy")
        daisys_url, auth_url = options.get("daisys_url"), options.get("auth_url")
        if version not in PRODUCTS.get(product, ()):
            raise DaisysInputError(f"Unknown product {product!r} version {version!r}; this client supports speak v1.")
        _check_limits(timeout, audio_timeout, max_retries)
        max_concurrency = _check_concurrency(options.get("max_concurrency", DEFAULT_MAX_CONCURRENCY))
        base = (daisys_url or os.environ.get("DAISYS_API_URL") or DEFAULT_URL).rstrip("/")
        return cls(
            product_url=f"{base}/{version}/{product}",
            auth_url=(auth_url or os.environ.get("DAISYS_AUTH_URL") or base).rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
            audio_timeout=httpx.Timeout(audio_timeout, connect=min(10.0, timeout)),
            retry=RetryPolicy(max_retries=max_retries, deadline=timeout),
            poll=options.get("poll") or PollSchedule(),
            headers=merge_headers({"User-Agent": USER_AGENT}, options.get("default_headers")),
            proxy=proxy if proxy is not None else environment_proxy(f"{base}/{version}/{product}"),
            verify=ssl_context(options.get("verify", True)),
            max_concurrency=max_concurrency,
        )

    def with_options(self, **overrides: Unpack[OptionOverrides]) -> ClientConfig:
        """This config with other timeouts, retries or concurrency (None keeps the current value)."""
        _known_keywords(overrides, OptionOverrides.__optional_keys__)
        timeout, audio_timeout = overrides.get("timeout"), overrides.get("audio_timeout")
        max_retries, max_concurrency = overrides.get("max_retries"), overrides.get("max_concurrency")
        seconds = self.timeout.read if timeout is None else timeout
        audio = self.audio_timeout.read if audio_timeout is None else audio_timeout
        retries = self.retry.max_retries if max_retries is None else max_retries
        assert seconds is not None and audio is not None
        _check_limits(seconds, audio, retries)
        return replace(
            self,
            timeout=httpx.Timeout(seconds, connect=min(10.0, seconds)),
            audio_timeout=httpx.Timeout(audio, connect=min(10.0, seconds)),
            retry=replace(self.retry, max_retries=retries, deadline=seconds),
            max_concurrency=self.max_concurrency if max_concurrency is None else _check_concurrency(max_concurrency),
        )

    def with_base_headers(self, headers: Mapping[str, str]) -> ClientConfig:
        """This config with ``headers`` (an ``http_client``'s own) beneath its own, which win where both set one."""
        return replace(self, headers=merge_headers(headers, self.headers))

    @property
    def public_paths(self) -> frozenset[str]:
        """Paths of the product that need no token (the spec's operations without security)."""
        return frozenset({httpx.URL(self.product_url).path + "/version"})

    @property
    def websocket_ssl(self) -> ssl.SSLContext | None:
        """The TLS context for ``wss://`` workers; None leaves the websocket library's default (system trust)."""
        if self.verify is True:
            return None
        if self.verify is False:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        return self.verify


class NoCookies(http.cookiejar.CookieJar):
    """The client's cookie jar: it keeps none.

    The Speak API and its storage authenticate with a bearer token and presigned URLs and set
    no cookie; reading every answer's headers for cookies would cost about 13 µs a call.
    """

    def extract_cookies(self, response: object, request: object) -> None:
        return None


def merge_headers(*layers: Mapping[str, str] | None) -> dict[str, str]:
    """Layers of headers, later ones winning; names compare case-insensitively (one User-Agent, not two)."""
    merged: dict[str, tuple[str, str]] = {}
    for layer in layers:
        for name, value in (layer or {}).items():
            merged[name.lower()] = (name, value)
    return dict(merged.values())


def environment_proxy(url: str) -> str | None:
    """The proxy the environment names for ``url`` (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY; NO_PROXY honoured).

    httpx reads these only when it makes its own transport, and the websocket libraries read
    them too: resolving them once here sends the API, storage and websockets the same way.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.hostname is None or urllib.request.proxy_bypass(parts.hostname):
        return None
    proxies = urllib.request.getproxies_environment()
    return proxies.get(parts.scheme) or proxies.get("all")


def _known_keywords(options: Mapping[str, object], known: frozenset[str]) -> None:
    """Refuse a keyword a TypedDict of options does not name, as Python refuses a misspelt keyword argument."""
    unknown = options.keys() - known
    if unknown:
        raise TypeError(f"unexpected keyword argument {sorted(unknown)[0]!r}")


def _check_limits(timeout: float, audio_timeout: float, max_retries: int) -> None:
    if timeout <= 0 or audio_timeout <= 0 or max_retries < 0:
        raise DaisysInputError("timeout and audio_timeout must be positive and max_retries not negative.")


def _check_concurrency(max_concurrency: object) -> int:
    if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int) or max_concurrency < 1:
        raise DaisysInputError(f"max_concurrency must be a whole number of at least 1, not {max_concurrency!r}.")
    return max_concurrency


def ssl_context(verify: Verify) -> bool | ssl.SSLContext:
    """``verify=`` as httpx 0.28 takes it: a CA bundle's path becomes a context that trusts it."""
    if isinstance(verify, str):
        if not os.path.exists(verify):
            raise DaisysInputError(f"verify={verify!r}: no such CA bundle file or folder.")
        try:
            if os.path.isdir(verify):
                return ssl.create_default_context(capath=verify)
            return ssl.create_default_context(cafile=verify)
        except (ssl.SSLError, OSError) as exc:  # not PEM certificates, or unreadable
            raise DaisysInputError(f"verify={verify!r}: not a readable CA bundle ({exc}).") from exc
    if not isinstance(verify, bool | ssl.SSLContext):
        raise DaisysInputError(f"verify must be True, False, a CA bundle's path or an ssl.SSLContext, not {verify!r}.")
    return verify


def credentials_from_env(
    email: str | None, password: str | None, access_token: str | None, refresh_token: str | None
) -> tuple[str | None, str | None]:
    """Email and password, from DAISYS_EMAIL / DAISYS_PASSWORD when no credential was given at all."""
    if email is None and password is None and access_token is None and refresh_token is None:
        return os.environ.get("DAISYS_EMAIL"), os.environ.get("DAISYS_PASSWORD")
    return email, password
