"""Time and memory limits, in one place: every computation on user input runs bounded.

:func:`bounded` runs one call in a forked child; :class:`BoundedPool` runs many
calls in reused worker processes (pebble), each call with its own time limit.
Both give the child a memory cap and bring its result back in a form whose
decoding is cheap and bounded.

Why a raw ``os.fork`` rather than ``multiprocessing.Process``: it works from any
thread (no ``signal.alarm``) and it nests: inside another bounded call, inside a
``multiprocessing.Pool`` worker and inside a pool task (``multiprocessing`` refuses
children of daemonic processes).  A nested call forks again under its own limit;
the outer limit still holds because a killed child takes its children with it
(``PR_SET_PDEATHSIG`` on Linux).  Running a nested call inline under the outer
deadline instead would need a signal (main thread only) to enforce its own limit.
The price is the fork: about 20 ms per call on the project's 2-core machine
(40 ms once torch is imported), against about 1 ms per task in a
:class:`BoundedPool` (``benchmarks/bench_limits.py``): many calls belong in a pool.

Why not pickle: unpickling SymPy objects re-evaluates them, so a child returning
the unevaluated ``2^(2^(2^(2^(2^2))))`` exhausted the *caller's* memory.  Results
travel as JSON: SymPy values as :mod:`symderive.exprjson` trees (rebuilt without
evaluation), everything else as plain data (None, bools, numbers, strings, lists,
tuples, dicts, sets, enum members and frozen dataclasses of these).  Pool
arguments travel the same way.

The memory cap is on address space (``RLIMIT_AS``), counted from what the
process had mapped when the call started, so a caller that imported torch
(about 0.8 GB mapped) gets the same head room as one that did not.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import enum
import json
import os
import random
import resource
import select
import signal
import sys
import time
from concurrent.futures import CancelledError
from typing import Any, Callable, Iterable

import pebble
from sympy import Basic, Dummy
from sympy.core.function import AppliedUndef, UndefinedFunction
from sympy.stats.rv import RandomSymbol

from .exprjson import Decoder, Encoder, ExprJsonError

DEFAULT_SECONDS = 10.0
DEFAULT_MEMORY_MB = 2048  # beyond what the process had mapped when the call started
MAX_RESULT_BYTES = 64 * 2**20
MAX_PLAIN_DEPTH = 100  # of lists, tuples, dicts, dataclasses around the values
_MESSAGE_CHARS = 2_000
_CHECK_SECONDS = 0.1  # how often a waiting parent checks that its child still lives
_LENGTH_BYTES = 8


# True in a bounded child or a pool worker: a caller that may run inline under
# the outer limit (the judge, inside `check`'s workers) can skip its own fork.
_INSIDE = False


def inside_limit() -> bool:
    """Whether this process already runs under a wall-clock limit."""
    return _INSIDE


class TimeLimitExceeded(RuntimeError):
    """The computation did not finish within its limit."""


class ChildFailed(RuntimeError):
    """The computation raised (``kind`` is the exception's type name) or its process died (``"Crash"``)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


# ---------------------------------------------------------------- one call, one child


def bounded(
    function: Callable[..., Any],
    *args: Any,
    seconds: float = DEFAULT_SECONDS,
    memory_mb: int | None = DEFAULT_MEMORY_MB,
) -> Any:
    """``function(*args)`` in a forked child, killed after ``seconds``, with ``memory_mb`` of head room.

    The arguments reach the child by the fork (no copying); the result must be
    plain data or SymPy values (see the module docstring).  Raises
    :class:`TimeLimitExceeded` on timeout and :class:`ChildFailed` when the
    function raised (its type name in ``kind``), the child died (``"Crash"``) or
    the result could not be carried back.
    """
    read_end, write_end = os.pipe()
    _flush_standard_streams()  # else the child would flush the parent's pending output again
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError as exc:  # out of processes or memory: a failure of this call, not a crash of the caller
        os.close(read_end)
        os.close(write_end)
        raise ChildFailed("ForkFailed", f"cannot start a process for the computation: {exc.strerror}") from None
    if pid == 0:
        os.close(read_end)
        _run_child(write_end, parent, memory_mb, function, args)
    os.close(write_end)
    child = _Child(pid)
    try:
        frame = _read_frame(read_end, child, seconds)
    finally:
        os.close(read_end)
        child.reap()
    if frame is None:
        raise ChildFailed("Crash", child.describe_death())
    return _unpack_outcome(frame)


def _run_child(
    write_end: int, parent: int, memory_mb: int | None, function: Callable[..., Any], args: tuple
) -> None:
    """The child's whole life: never returns, never runs the parent's clean-up code."""
    global _INSIDE
    _INSIDE = True
    status = 1
    try:
        _die_with_parent(parent)
        _cap_memory(memory_mb)
        _separate_dummies()
        payload = _outcome_payload(function, args)
        _flush_standard_streams()
        _write_all(write_end, len(payload).to_bytes(_LENGTH_BYTES, "big") + payload)
        status = 0
    finally:
        os._exit(status)


class _Child:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.status: int | None = None

    def exited(self) -> bool:
        if self.status is None:
            finished, status = os.waitpid(self.pid, os.WNOHANG)
            if finished:
                self.status = status
        return self.status is not None

    def reap(self) -> None:
        """Kill the child if it still runs (it has sent all it will send) and collect it."""
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.status = os.waitpid(self.pid, 0)[1]

    def describe_death(self) -> str:
        if self.status is not None and os.WIFSIGNALED(self.status):
            name = signal.Signals(os.WTERMSIG(self.status)).name
            return f"the computation's process died ({name})"
        code = os.WEXITSTATUS(self.status) if self.status is not None else "unknown"
        return f"the computation's process ended (status {code}) without a result"


def _read_frame(fd: int, child: _Child, seconds: float) -> bytes | None:
    """The child's length-prefixed payload, None if it ended without one."""
    deadline = time.monotonic() + seconds
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    buffer = bytearray()
    while not _frame_complete(buffer):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeLimitExceeded(f"gave up after {seconds:g} s")
        if poller.poll(min(remaining, _CHECK_SECONDS) * 1000):
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            buffer += chunk
        elif child.exited():
            # Another process forked meanwhile may hold the pipe open: no EOF to wait for.
            while poller.poll(0) and (chunk := os.read(fd, 1 << 20)):
                buffer += chunk
            break
    return bytes(buffer[_LENGTH_BYTES:]) if _frame_complete(buffer) else None


def _frame_complete(buffer: bytearray) -> bool:
    if len(buffer) < _LENGTH_BYTES:
        return False
    length = int.from_bytes(buffer[:_LENGTH_BYTES], "big")
    if length > MAX_RESULT_BYTES:
        raise ChildFailed("ResultTooLarge", f"the result is larger than {MAX_RESULT_BYTES} bytes")
    return len(buffer) >= _LENGTH_BYTES + length


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _flush_standard_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass


def _die_with_parent(parent: int) -> None:
    """On Linux, let the kernel kill this process when its parent dies (no orphaned runaways)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _cap_memory(memory_mb: int | None) -> None:
    if memory_mb is None:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _mapped_bytes() + memory_mb * 2**20
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _mapped_bytes() -> int:
    """This process's address space now (0 where /proc is missing: the cap is then absolute)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _separate_dummies() -> None:
    """Dummies made here must not equal Dummies the parent makes meanwhile (same counter at the fork)."""
    Dummy._base_dummy_index += random.SystemRandom().getrandbits(48) << 24


# ---------------------------------------------------------------- the outcome on the wire


def _outcome_payload(function: Callable[..., Any], args: tuple) -> bytes:
    """``function(*args)`` as JSON: ``{"ok": value}`` or ``{"error": [type name, message]}``."""
    try:
        payload = json.dumps({"ok": _pack(function(*args), Encoder(), 0)}).encode()
    except BaseException as exc:  # report everything, including RecursionError and MemoryError
        payload = json.dumps({"error": [type(exc).__name__, _message(exc)]}).encode()
    if len(payload) > MAX_RESULT_BYTES:
        too_large = ["ResultTooLarge", f"the result is larger than {MAX_RESULT_BYTES} bytes"]
        payload = json.dumps({"error": too_large}).encode()
    return payload


def _message(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # e.g. a message that hits the int-string limit
        text = ""
    return (text or type(exc).__name__)[:_MESSAGE_CHARS]


def _unpack_outcome(payload: bytes) -> Any:
    try:
        outcome = json.loads(payload)
        if "error" in outcome:
            kind, message = outcome["error"]
            failure = ChildFailed(str(kind), str(message))
        else:
            return _unpack(outcome["ok"], Decoder(fresh_dummies=False), 0)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise ChildFailed("BadResult", f"the result could not be read back: {_message(exc)}") from None
    raise failure


def _pack(value: Any, encoder: Encoder, depth: int) -> Any:
    if depth > MAX_PLAIN_DEPTH:
        raise ValueError(f"the result is nested deeper than {MAX_PLAIN_DEPTH} containers")
    if isinstance(value, RandomSymbol):  # a sympy.stats law: its distribution's name and parameters
        from .datajson import encode_law

        return {"law": encode_law(value, encoder)}
    if isinstance(value, Basic):
        return {"sympy": encoder.encode(value)}
    if isinstance(value, UndefinedFunction):  # a declared function: carried as an application, its head kept
        return {"function": encoder.encode(value(Dummy("argument")))}
    if isinstance(value, enum.Enum):
        return {"enum": _qualified_name(type(value)), "name": value.name}
    if value is None or isinstance(value, (bool, float, str)):
        return value
    if isinstance(value, int):
        return value if value.bit_length() < 63 else {"int": hex(value)}
    if isinstance(value, list):
        return [_pack(item, encoder, depth + 1) for item in value]
    for kind in (tuple, frozenset, set):
        if isinstance(value, kind):
            return {kind.__name__: [_pack(item, encoder, depth + 1) for item in value]}
    if isinstance(value, dict):
        return {"dict": [[_pack(k, encoder, depth + 1), _pack(v, encoder, depth + 1)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and type(value).__dataclass_params__.frozen:
        fields = {f.name: _pack(getattr(value, f.name), encoder, depth + 1) for f in dataclasses.fields(value)}
        return {"dataclass": _qualified_name(type(value)), "fields": fields}
    raise TypeError(
        f"cannot carry a {type(value).__name__} across processes: "
        "use plain data, SymPy expressions, enum members or frozen dataclasses"
    )


def _unpack(value: Any, decoder: Decoder, depth: int) -> Any:
    if depth > MAX_PLAIN_DEPTH:
        raise ValueError(f"nested deeper than {MAX_PLAIN_DEPTH} containers")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_unpack(item, decoder, depth + 1) for item in value]
    if not isinstance(value, dict) or len(value) not in (1, 2):
        raise ValueError(f"unexpected {type(value).__name__} in the result")
    if "sympy" in value:
        return decoder.decode(value["sympy"])
    if "function" in value:
        application = decoder.decode(value["function"])
        if not isinstance(application, AppliedUndef):
            raise ValueError("a carried function is not an application of an undeclared function")
        return application.func
    if "law" in value:
        from .datajson import decode_law

        return decode_law(value["law"], decoder)
    if "int" in value:
        literal = value["int"]
        if not isinstance(literal, str) or len(literal) > 20_000:
            raise ValueError("an integer literal that is too long")
        return int(literal, 16)
    if "tuple" in value:
        return tuple(_unpack(item, decoder, depth + 1) for item in value["tuple"])
    if "frozenset" in value:
        return frozenset(_unpack(item, decoder, depth + 1) for item in value["frozenset"])
    if "set" in value:
        return {_unpack(item, decoder, depth + 1) for item in value["set"]}
    if "dict" in value:
        return {_unpack(k, decoder, depth + 1): _unpack(v, decoder, depth + 1) for k, v in value["dict"]}
    if "enum" in value:
        cls = _class_named(value["enum"])
        if not issubclass(cls, enum.Enum):
            raise ValueError(f"{value['enum']} is not an enum")
        return cls[value["name"]]
    if "dataclass" in value:
        return _rebuild_dataclass(_class_named(value["dataclass"]), value["fields"], decoder, depth)
    raise ValueError(f"unexpected tag {sorted(value)} in the result")


def _rebuild_dataclass(cls: type, fields: dict, decoder: Decoder, depth: int) -> Any:
    """Like unpickling: set the fields without running ``__init__`` (no code from the wire)."""
    if not (dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen):
        raise ValueError(f"{cls.__name__} is not a frozen dataclass")
    names = [f.name for f in dataclasses.fields(cls)]
    if not isinstance(fields, dict) or sorted(fields) != sorted(names):
        raise ValueError(f"the fields of {cls.__name__} do not match")
    instance = object.__new__(cls)
    for name in names:
        object.__setattr__(instance, name, _unpack(fields[name], decoder, depth + 1))
    return instance


def _qualified_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _class_named(qualified: Any) -> type:
    """A class of an already imported module (nothing is imported on the wire's say-so)."""
    module_name, _, qualname = str(qualified).partition(":")
    found: Any = sys.modules.get(module_name)
    if found is None:
        raise ValueError(f"module {module_name!r} is not imported")
    for part in qualname.split("."):
        found = getattr(found, part, None)
    if not isinstance(found, type):
        raise ValueError(f"no class {qualified!r}")
    return found


def to_wire(value: Any, encoder: Encoder | None = None) -> str:
    """``value`` as the JSON text that carries arguments and results (see the module docstring).

    For a value sent with many tasks: encode it once, send the text, decode it with
    :func:`from_wire` in the worker (once, if the worker keeps it).
    """
    return json.dumps(wire_data(value, encoder))


def wire_data(value: Any, encoder: Encoder | None = None) -> Any:
    """The JSON-ready data that :func:`to_wire` writes out."""
    return _pack(value, encoder or Encoder(), 0)


def from_wire(text: str) -> Any:
    """The value :func:`to_wire` encoded, rebuilt without evaluation (Dummies keep their identity)."""
    return _unpack(json.loads(text), Decoder(fresh_dummies=False), 0)


# ---------------------------------------------------------------- many calls, reused workers


class BoundedPool:
    """Worker processes, reused across tasks, each task with its own time limit.

    ``with BoundedPool(jobs=4) as pool: outcomes = pool.map(judge_one, [(a,), (b,)], seconds=10)``.
    A task that times out or crashes costs its worker (pebble starts a new one);
    the others run on.  Each worker has the memory cap of :func:`bounded`, and a
    task may itself call :func:`bounded`.  Functions must be importable
    (module-level); arguments and results travel as in :func:`bounded`'s result.
    Use a pool from a thread that outlives it: on Linux a worker dies with the
    thread that started it (so no task outlives a killed caller).
    """

    def __init__(self, jobs: int | None = None, memory_mb: int | None = DEFAULT_MEMORY_MB) -> None:
        self._pool = pebble.ProcessPool(
            max_workers=jobs or os.cpu_count() or 1, initializer=_start_worker, initargs=(os.getpid(), memory_mb)
        )

    def __enter__(self) -> "BoundedPool":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (pending tasks are cancelled)."""
        self._pool.stop()
        self._pool.join()

    def submit(self, function: Callable[..., Any], *args: Any, seconds: float = DEFAULT_SECONDS) -> "PoolTask":
        arguments = json.dumps(_pack(args, Encoder(), 0))
        future = self._pool.schedule(_run_task, args=(function, arguments), timeout=seconds)
        return PoolTask(future, seconds)

    def map(
        self, function: Callable[..., Any], argument_tuples: Iterable[tuple], seconds: float = DEFAULT_SECONDS
    ) -> list[Any]:
        """One outcome per tuple, in order: the value, or the TimeLimitExceeded / ChildFailed instance."""
        tasks = [self.submit(function, *args, seconds=seconds) for args in argument_tuples]
        return [task.outcome() for task in tasks]


class PoolTask:
    """A submitted task; :meth:`result` waits for it."""

    def __init__(self, future: Any, seconds: float) -> None:
        self._future = future
        self._seconds = seconds

    def result(self) -> Any:
        """The value; raises like :func:`bounded`."""
        try:
            payload = self._future.result()
        except TimeoutError:  # the task's own exceptions arrive inside the payload instead
            raise TimeLimitExceeded(f"gave up after {self._seconds:g} s") from None
        except pebble.ProcessExpired as exc:
            raise ChildFailed("Crash", f"the worker process died (exit code {exc.exitcode})") from None
        except CancelledError:
            raise ChildFailed("Cancelled", "the pool was closed before the task ran") from None
        except Exception as exc:  # e.g. a function that cannot be pickled to the worker
            raise ChildFailed(type(exc).__name__, _message(exc)) from None
        return _unpack_outcome(payload)

    def outcome(self) -> Any:
        """The value, or the TimeLimitExceeded / ChildFailed instance."""
        try:
            return self.result()
        except (TimeLimitExceeded, ChildFailed) as failure:
            return failure


def wait_first(tasks: Iterable[PoolTask], seconds: float | None = None) -> set[PoolTask]:
    """The tasks among ``tasks`` that are done, waiting until at least one is (or ``seconds`` pass)."""
    by_future = {task._future: task for task in tasks}
    finished, _ = concurrent.futures.wait(by_future, timeout=seconds, return_when=concurrent.futures.FIRST_COMPLETED)
    return {by_future[future] for future in finished}


def _start_worker(parent: int, memory_mb: int | None) -> None:
    global _INSIDE
    _INSIDE = True
    _die_with_parent(parent)
    _cap_memory(memory_mb)
    _separate_dummies()


def _run_task(function: Callable[..., Any], arguments: str) -> bytes:
    """In a worker: decode the arguments (under the task's time limit) and run the function."""
    return _outcome_payload(_call_with_packed, (function, arguments))


def _call_with_packed(function: Callable[..., Any], arguments: str) -> Any:
    return function(*_unpack(json.loads(arguments), Decoder(fresh_dummies=False), 0))
