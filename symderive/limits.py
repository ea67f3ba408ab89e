"""Time limits, in one place: every computation on user input runs through :func:`bounded`.

The work runs in a forked child process that is killed when the wall-clock limit
passes, so a runaway SymPy call (or latex2sympy2's module-global state) can never
hang or corrupt the caller.  Results come back pickled from our own child.
"""
from __future__ import annotations

import multiprocessing
import traceback
from typing import Any, Callable

DEFAULT_SECONDS = 10.0

# Set in a bounded child: a nested call runs inline under the outer limit
# (a daemonic child may not start children of its own).
_INSIDE = False


def inside_limit() -> bool:
    """Whether this process already runs under a wall-clock limit."""
    return _INSIDE


class TimeLimitExceeded(RuntimeError):
    """The computation did not finish within its limit."""


class ChildFailed(RuntimeError):
    """The computation raised; carries the exception's type name and message."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _child(connection, function: Callable[..., Any], args: tuple) -> None:
    global _INSIDE
    _INSIDE = True
    try:
        connection.send(("ok", function(*args)))
    except BaseException as exc:  # report everything, including RecursionError
        connection.send(("error", type(exc).__name__, str(exc) or traceback.format_exc(limit=1)))
    finally:
        connection.close()


def bounded(function: Callable[..., Any], *args: Any, seconds: float = DEFAULT_SECONDS) -> Any:
    """``function(*args)`` in a child process, killed after ``seconds``.

    Raises :class:`TimeLimitExceeded` on timeout and :class:`ChildFailed` when the
    function raised (the original type name is kept for the message).
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, function, args), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise TimeLimitExceeded(f"gave up after {seconds:g} s")
        try:
            outcome = receiver.recv()
        except EOFError:
            raise ChildFailed("Crash", "the worker process died (out of memory?)") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    if outcome[0] == "ok":
        return outcome[1]
    raise ChildFailed(outcome[1], outcome[2])
