"""The credential attributes ``Client`` and ``AsyncClient`` share: no I/O, so one copy."""

from __future__ import annotations

from .tokens import TokenCallback, Tokens


class TokenAttributes:
    """``access_token``, ``refresh_token``, ``token_callback`` and ``auto_logout``, kept in ``Tokens``."""

    _tokens: Tokens

    @property
    def access_token(self) -> str | None:
        return self._tokens.access_token

    @access_token.setter
    def access_token(self, value: str | None) -> None:
        self._tokens.access_token = value

    @property
    def refresh_token(self) -> str | None:
        return self._tokens.refresh_token

    @refresh_token.setter
    def refresh_token(self, value: str | None) -> None:
        self._tokens.refresh_token = value

    @property
    def token_callback(self) -> TokenCallback | None:
        """Called as ``token_callback(access_token, refresh_token)`` whenever the tokens change."""
        return self._tokens.token_callback

    @token_callback.setter
    def token_callback(self, value: TokenCallback | None) -> None:
        self._tokens.token_callback = value

    @property
    def auto_logout(self) -> bool:
        """Whether ``close()`` revokes the refresh token; set by a password login, False otherwise."""
        return self._tokens.auto_logout

    @auto_logout.setter
    def auto_logout(self, value: bool) -> None:
        self._tokens.auto_logout = value
