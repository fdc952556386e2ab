"""Login, token refresh and logout against the Daisys auth service, without I/O.

``Tokens`` holds the credentials and makes every decision (what to send, what an answer
means, which failure is an error) as plain generators of requests; the clients' ``DaisysAuth`` (``_async/auth.py``)
drives them for httpx and adds the lock, so that one refresh serves every thread or task
that hit the same expired token.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any

import httpx

from .._errors import DaisysAuthenticationError, DaisysCredentialsError, DaisysResponseError, http_error

logger = logging.getLogger("daisys_ext")

TokenCallback = Callable[[str | None, str | None], Any]
Flow = Generator[httpx.Request, httpx.Response, None]
# What httpx's Auth.async_auth_flow is; scripts/unasync.py turns it into Flow, the sync_auth_flow's.
AsyncFlow = AsyncGenerator[httpx.Request, httpx.Response]


class Tokens:
    """The credentials of one client and the decisions of the auth protocol (no I/O)."""

    def __init__(
        self,
        auth_url: str,
        *,
        email: str | None = None,
        password: str | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
    ) -> None:
        self.auth_url = auth_url.rstrip("/") + "/auth"
        self.email = email
        self.password = password
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.token_callback: TokenCallback | None = None
        self.auto_logout = False

    def __repr__(self) -> str:  # never show a secret, even in a debugger's repr
        return f"Tokens(email={self.email!r}, access_token={'set' if self.access_token else None})"

    def _post(self, path: str, body: dict[str, str]) -> httpx.Request:
        # json= encodes properly: quotes, backslashes and non-ASCII in a password are safe.
        return httpx.Request("POST", f"{self.auth_url}/{path}", json=body)

    def login_request(self) -> httpx.Request:
        if not (self.email and self.password):
            raise DaisysCredentialsError("Cannot log in: an email and a password are needed.")
        return self._post("login", {"email": self.email, "password": self.password})

    def refresh_request(self) -> httpx.Request:
        """The refresh in both documented forms at once, so that either form of the service is satisfied.

        The official SDK and the documentation's curl example send the access token held (even an
        expired one) as ``Authorization: Bearer`` and ``{"refresh_token": ...}``; the endpoints page
        sends ``{"email": ..., "refresh_token": ...}`` and no header. So: the header when an access
        token is held, and the body with the refresh token and, when known, the email.
        """
        assert self.refresh_token is not None
        body = {"refresh_token": self.refresh_token}
        if self.email:
            body["email"] = self.email
        request = self._post("refresh", body)
        if self.access_token:
            request.headers["Authorization"] = f"Bearer {self.access_token}"
        return request

    def logout_request(self, refresh_token: str) -> httpx.Request:
        return self._post("logout", {"refresh_token": refresh_token})

    def accept(self, response: httpx.Response, *, login: bool) -> None:
        """Take the tokens from a successful login or refresh answer (a refresh may keep the refresh token)."""
        try:
            body = response.json()
            access, refresh = body["access_token"], body.get("refresh_token", self.refresh_token)
            if not isinstance(access, str) or not isinstance(refresh, str | None):
                raise TypeError("the tokens are not strings")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            what = "login" if login else "refresh"
            problem = "not JSON" if isinstance(exc, ValueError) else f"no access_token ({type(exc).__name__})"
            message = f"The auth service's {what} answer could not be used: {problem}."
            raise DaisysResponseError(message, response) from None
        self.set_tokens(access, refresh)
        if login:
            self.auto_logout = True
        logger.info("%s with the Daisys auth service", "logged in" if login else "refreshed the access token")

    def set_tokens(self, access_token: str | None, refresh_token: str | None) -> None:
        changed = (access_token, refresh_token) != (self.access_token, self.refresh_token)
        self.access_token, self.refresh_token = access_token, refresh_token
        if changed and self.token_callback is not None:
            self.token_callback(access_token, refresh_token)

    def renew(self, stale: str | None) -> Flow:
        """Get a working access token: refresh, else log in. ``stale`` is the token that failed.

        Does nothing when the token already changed since ``stale`` was used: another
        thread or task renewed it meanwhile.
        """
        if self.access_token is not None and self.access_token != stale:
            return
        if self.refresh_token is not None:
            response = yield self.refresh_request()
            if response.is_success:
                self.accept(response, login=False)
                return
            if response.status_code != 401:  # the auth service failed: not a verdict on the refresh token
                raise http_error(response)
            logger.info("the refresh token was refused (%s); logging in again", response.status_code)
            self.refresh_token = None
            if not (self.email and self.password):
                raise DaisysAuthenticationError(
                    "The access token expired and the refresh token was refused; no email and password to log in with.",
                    request=response.request,
                    response=response,
                )
        if not (self.email and self.password):
            raise DaisysCredentialsError(
                "The access token was refused and there is neither a refresh token nor an email and "
                "password to get a new one."
                if stale
                else "Insufficient credentials provided: give an email and password, or tokens."
            )
        response = yield self.login_request()
        if not response.is_success:
            raise http_error(response)
        self.accept(response, login=True)

    def login(self) -> Flow:
        """Log in with the email and password, whatever tokens are held."""
        response = yield self.login_request()
        if not response.is_success:
            raise http_error(response)
        self.accept(response, login=True)

    def refresh(self) -> Generator[httpx.Request, httpx.Response, bool | None]:
        """Refresh explicitly: True if refreshed, False if the refresh token was refused, None if there is none."""
        if self.refresh_token is None:
            return None
        response = yield self.refresh_request()
        if response.status_code == 401:
            return False
        if not response.is_success:
            raise http_error(response)
        self.accept(response, login=False)
        return True

    def logout(self, refresh_token: str | None) -> Generator[httpx.Request, httpx.Response, bool]:
        """Revoke a refresh token (by default the one held) and forget the tokens."""
        token = refresh_token or self.refresh_token
        if token is None:
            return False
        response = yield self.logout_request(token)
        if not response.is_success:
            raise http_error(response)
        self.auto_logout = False
        self.set_tokens(None, None)
        logger.info("logged out of the Daisys auth service")
        return True

    def authorize(self, request: httpx.Request) -> str | None:
        """Put the current access token on ``request``; return it, to recognise it as stale later."""
        token = self.access_token
        request.headers["Authorization"] = f"Bearer {token}"
        return token


def first_request(flow: Flow) -> httpx.Request | None:
    return next(flow, None)


def next_request(flow: Flow, response: httpx.Response) -> httpx.Request | None:
    try:
        return flow.send(response)
    except StopIteration:
        return None


def public_request(request: httpx.Request, public_paths: frozenset[str]) -> bool:
    """Whether ``request`` goes to a route that needs no token (the version)."""
    return request.url.path in public_paths
