"""Exit codes a script can rely on, the CLI's own errors, and one line for any error."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    """What ``daisys`` exits with (documented in ``daisys --help``: `EXIT_CODES_HELP`)."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    AUTH = 3
    NOT_FOUND = 4
    SERVICE = 5
    INTERRUPTED = 130  # 128 + SIGINT, as shells report it


EXIT_CODES_HELP = """\
exit codes:
  0  success
  1  anything else (a take that failed to generate, a file that cannot be written, ...)
  2  usage error: a bad command line or argument (also one the service refused, 422)
  3  authentication error: not logged in, or the credentials were refused
  4  not found: no such voice, take or model
  5  server or network error, after the client's retries
  130  interrupted (Ctrl-C)"""


class CliError(Exception):
    """An error the CLI itself raises: a one-line message and the exit code it means."""

    code = Exit.FAILURE

    def __init__(self, message: str, code: Exit | None = None) -> None:
        super().__init__(message)
        self.code = code or self.code


class UsageError(CliError):
    """A command line that cannot be carried out as given (exit 2)."""

    code = Exit.USAGE


class NotFoundError(CliError):
    """No such voice, take or model (exit 4)."""

    code = Exit.NOT_FOUND


AUTH_HINT = "run `daisys login`, or set DAISYS_EMAIL and DAISYS_PASSWORD"


def exit_code(exc: BaseException) -> Exit:
    """The exit code for an error: the library's typed errors by what happened, anything unknown 1."""
    import daisys_ext as d

    if isinstance(exc, CliError):
        return exc.code
    if isinstance(exc, KeyboardInterrupt):
        return Exit.INTERRUPTED
    # DaisysAuthenticationError is a DaisysCredentialsError too (and an HTTP error: checked first).
    if isinstance(exc, d.DaisysCredentialsError) or (isinstance(exc, d.DaisysHTTPError) and exc.status_code == 403):
        return Exit.AUTH
    if isinstance(exc, d.DaisysNotFoundError):
        return Exit.NOT_FOUND
    if isinstance(exc, d.DaisysInputError | d.DaisysValidationError):
        return Exit.USAGE
    service = d.DaisysServerError | d.DaisysRateLimitError | d.DaisysConnectionError | d.DaisysTimeoutError
    if isinstance(exc, service | d.DaisysResponseError | d.DaisysWebsocketConnectError | d.DaisysWebsocketStreamError):
        return Exit.SERVICE
    return Exit.FAILURE


def one_line(exc: BaseException) -> str:
    """The error as one line: its message (or its type when it has none), line breaks folded."""
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        text = f"{exc.filename}: {exc.strerror}"
    line = " ".join(text.split())
    if exit_code(exc) is Exit.AUTH and not isinstance(exc, CliError):
        line += f" ({AUTH_HINT})"
    return line
