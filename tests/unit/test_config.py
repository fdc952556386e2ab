"""Where a client connects, from its arguments and the environment (no server needed)."""

from __future__ import annotations

import pytest

from daisys_ext._config import ClientConfig


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)


def test_the_environments_proxy_is_used_for_every_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    assert ClientConfig.resolve().proxy == "http://proxy.internal:3128"
    assert ClientConfig.resolve(daisys_url="http://127.0.0.1:8000").proxy is None  # an http:// service: HTTP_PROXY
    monkeypatch.setenv("HTTP_PROXY", "http://plain.internal:3128")
    assert ClientConfig.resolve(daisys_url="http://127.0.0.1:8000").proxy == "http://plain.internal:3128"


def test_no_proxy_and_an_explicit_proxy_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "api.daisys.ai")
    assert ClientConfig.resolve().proxy is None
    assert ClientConfig.resolve(proxy="http://mine:8080").proxy == "http://mine:8080"


def test_without_proxies_in_the_environment_there_is_none() -> None:
    assert ClientConfig.resolve().proxy is None
