"""Token bookkeeping: access tokens with a lifetime, refresh tokens (single-use if asked), and worker-URL tokens."""

from __future__ import annotations

import secrets
import threading
import time

from ._options import Options


class Auth:
    """Issues and checks the emulator's tokens; one account (email, password)."""

    def __init__(self, email: str, password: str, options: Options) -> None:
        self.email = email
        self.password = password
        self._options = options
        self._lock = threading.Lock()
        self._access: dict[str, float] = {}  # token -> monotonic expiry
        self._refresh: set[str] = set()
        self._ws: dict[str, tuple[str, float]] = {}  # token -> (model, monotonic expiry)

    def _issue(self, refresh: str | None = None) -> dict[str, str]:
        """A new access token, with ``refresh`` (still live) or a new refresh token."""
        access = secrets.token_urlsafe(32)
        refresh = refresh or secrets.token_urlsafe(32)
        self._access[access] = time.monotonic() + self._options.token_ttl
        self._refresh.add(refresh)
        return {"access_token": access, "refresh_token": refresh}

    def login(self, email: str, password: str) -> dict[str, str] | None:
        """A fresh token pair for the right credentials, else None."""
        # Constant-time comparison, as a real service would, even though the stakes are nil here.
        ok = secrets.compare_digest(email.encode(), self.email.encode()) & secrets.compare_digest(
            password.encode(), self.password.encode()
        )
        if not ok:
            return None
        with self._lock:
            return self._issue()

    def refresh(self, refresh_token: str, email: str | None) -> dict[str, str] | None:
        """A new access token for a live refresh token; None if unknown.

        With ``rotate_refresh_tokens`` the answer has a new refresh token too and the one used is retired
        (single-use, so that processes sharing it race); without, the same refresh token stays good until logout.

        Both documented forms are served: the official SDK's and the curl example's (the access token in an
        `Authorization: Bearer` header, which may have expired, and no email) and the endpoints page's (an
        `email` beside the refresh token, no header). The refresh token alone decides; an email, when given,
        must be the account's.
        """
        if email is not None and email != self.email:
            return None
        with self._lock:
            if refresh_token not in self._refresh:
                return None
            if not self._options.rotate_refresh_tokens:
                return self._issue(refresh_token)
            self._refresh.discard(refresh_token)
            return self._issue()

    def logout(self, refresh_token: str) -> bool:
        """Revoke a refresh token; False if it was not live."""
        with self._lock:
            if refresh_token not in self._refresh:
                return False
            self._refresh.discard(refresh_token)
            return True

    def access_valid(self, token: str) -> bool:
        """Whether `token` is a live access token."""
        with self._lock:
            expiry = self._access.get(token)
            if expiry is None:
                return False
            if time.monotonic() >= expiry:
                del self._access[token]
                return False
            return True

    def worker_token(self, model: str) -> str:
        """A token for a worker URL dedicated to `model`."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._ws[token] = (model, time.monotonic() + self._options.ws_url_ttl)
        return token

    def worker_token_model(self, token: str) -> str | None:
        """The model a worker token was issued for, or None if unknown or expired."""
        with self._lock:
            entry = self._ws.get(token)
            if entry is None or time.monotonic() >= entry[1]:
                return None
            return entry[0]
