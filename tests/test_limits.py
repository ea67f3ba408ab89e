"""Bounded calls: time and memory limits that nest, and results carried back without evaluation."""
from __future__ import annotations

import builtins
import enum
import faulthandler
import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pebble
import pytest
from sympy import Dummy, Integer, IndexedBase, Pow, Symbol, Wild, expand, factorial

from symderive import limits
from symderive.latex_in.parse import LatexInputError, parse_expression
from symderive.limits import BoundedPool, ChildFailed, TimeLimitExceeded, bounded
from symderive.randomvars import Var

x = Symbol("x")
n = IndexedBase("n", integer=True, positive=True)


class Colour(enum.Enum):
    RED = "red"


@dataclass(frozen=True)
class Finding:
    name: str
    value: object
    colour: Colour


# Module-level task functions: pool workers import them by name.


def square(value):
    return expand((x + value) ** 2)


def pid():
    return os.getpid()


def sleep_then(seconds, value):
    time.sleep(seconds)
    return value


def fail_with(kind, message):
    raise getattr(builtins, kind)(message)


def die_by(signal_number):
    faulthandler.disable()  # pytest's crash report would only clutter the output
    os.kill(os.getpid(), signal_number)


def exit_quietly():
    os._exit(3)


def allocate(megabytes):
    return len(bytearray(megabytes * 2**20))


def nested_square(value):
    return bounded(square, value, seconds=5)


def write_pid_and_sleep(path):
    Path(path).write_text(str(os.getpid()))
    time.sleep(60)


def inner_times_out():
    return bounded(sleep_then, 60, None, seconds=0.3)


def outer_that_starts_a_sleeper(path):
    return bounded(write_pid_and_sleep, path, seconds=60)


def unevaluated_towers():
    ten = Pow(Integer(10), Pow(Integer(10), Integer(10), evaluate=False), evaluate=False)
    tower = Integer(2)
    for _ in range(6):
        tower = Pow(Integer(2), tower, evaluate=False)
    return [ten, tower, factorial(Integer(10) ** 6, evaluate=False)]


def towers_come_back_unevaluated():
    ten, tower, big = bounded(unevaluated_towers)
    return type(ten).__name__, ten.exp.exp, type(tower.exp.exp.exp.exp.exp).__name__, type(big).__name__


def structure_of(value):
    return type(value).__name__, isinstance(value, Pow) and isinstance(value.exp, Pow)


def parse_in_bounds(text):
    try:
        value = parse_expression(text)
    except LatexInputError as error:
        return "error", str(error)
    return "parsed", type(value).__name__


# ---------------------------------------------------------------- one bounded call


def test_the_value_comes_back():
    assert bounded(square, 2) == x**2 + 4 * x + 4


def test_plain_data_and_sympy_values_come_back_at_any_depth():
    k = Dummy("k")
    value = {
        "sizes": (1, 2**200, -3.5, None, True),
        (1, "key"): [frozenset({x}), {x + 1}, Finding("H2", [Var(n[k]), {"k": k}], Colour.RED)],
    }
    back = bounded(lambda: value)
    assert back == value
    finding = back[(1, "key")][2]
    assert isinstance(finding, Finding) and finding.colour is Colour.RED
    assert finding.value[1]["k"] == k  # the caller's Dummy, not a look-alike


def test_dummies_made_in_the_child_differ_from_dummies_made_in_the_parent_later():
    made_there = bounded(Dummy)
    made_here = Dummy()
    assert made_there != made_here


def test_a_timeout_kills_the_child(tmp_path):
    pid_file = tmp_path / "child.pid"
    with pytest.raises(TimeLimitExceeded, match="0.5 s"):
        bounded(write_pid_and_sleep, str(pid_file), seconds=0.5)
    assert not _alive(int(pid_file.read_text()))


def test_an_exception_carries_its_type_and_message_but_no_traceback():
    with pytest.raises(ChildFailed) as failure:
        bounded(fail_with, "KeyError", "no such step")
    assert failure.value.kind == "KeyError" and "no such step" in str(failure.value)
    assert "Traceback" not in str(failure.value)
    with pytest.raises(ChildFailed, match="^RuntimeError$"):  # an empty message names the type
        bounded(fail_with, "RuntimeError", "")


@pytest.mark.parametrize("death", [(die_by, signal.SIGSEGV), (die_by, signal.SIGKILL), (exit_quietly,)])
def test_a_child_that_dies_is_a_crash(death):
    function, *args = death
    with pytest.raises(ChildFailed) as failure:
        bounded(function, *args)
    assert failure.value.kind == "Crash"


def test_the_memory_cap_stops_the_child_not_the_caller():
    assert bounded(allocate, 64, memory_mb=256) == 64 * 2**20
    with pytest.raises(ChildFailed) as failure:
        bounded(allocate, 1024, memory_mb=256)
    assert failure.value.kind in ("MemoryError", "Crash")


def test_works_from_a_thread():
    outcomes = []
    thread = threading.Thread(target=lambda: outcomes.append(bounded(square, 1)))
    thread.start()
    thread.join()
    assert outcomes == [x**2 + 2 * x + 1]


# ---------------------------------------------------------------- nesting


def test_bounded_inside_bounded():
    assert bounded(nested_square, 3) == x**2 + 6 * x + 9


def test_an_inner_timeout_reaches_the_outer_caller_by_its_name():
    with pytest.raises(ChildFailed) as failure:
        bounded(inner_times_out, seconds=10)
    assert failure.value.kind == "TimeLimitExceeded"


def test_bounded_inside_a_multiprocessing_pool_worker():
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.map(nested_square, [1]) == [x**2 + 2 * x + 1]


def test_bounded_inside_a_pebble_worker():
    with pebble.ProcessPool(max_workers=1) as pool:
        assert pool.schedule(nested_square, args=(2,)).result() == x**2 + 4 * x + 4


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads process states from /proc")
def test_an_outer_timeout_also_ends_the_inner_child(tmp_path):
    pid_file = tmp_path / "inner.pid"
    with pytest.raises(TimeLimitExceeded):
        bounded(outer_that_starts_a_sleeper, str(pid_file), seconds=1)
    inner = int(pid_file.read_text())
    for _ in range(50):  # the kernel kills it with its parent; wait until it is reaped or a zombie
        if not _alive(inner):
            break
        time.sleep(0.1)
    assert not _alive(inner)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


# ---------------------------------------------------------------- hostile results


def test_unevaluated_giant_powers_come_back_unevaluated():
    # Inside an outer bounded call: if decoding evaluated them, this would fail rather than hang.
    assert bounded(towers_come_back_unevaluated, seconds=20) == ("Pow", Integer(10), "Pow", "factorial")


@pytest.mark.parametrize(
    "result, kind",
    [
        (lambda: (lambda: 1), "TypeError"),
        (lambda: Wild("w"), "ExprJsonError"),
        (lambda: object(), "TypeError"),
        (lambda: _nested_lists(500), "ValueError"),
    ],
)
def test_a_result_that_cannot_be_carried_is_a_failure(result, kind):
    with pytest.raises(ChildFailed) as failure:
        bounded(result)
    assert failure.value.kind == kind


def _nested_lists(depth):
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


def test_an_oversized_result_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "MAX_RESULT_BYTES", 1000)
    with pytest.raises(ChildFailed) as failure:
        bounded(lambda: "x" * 5000)
    assert failure.value.kind == "ResultTooLarge"


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1, 2]",
        b'{"ok": {"sympy": ["Exec", ["Integer", "1"]]}}',
        b'{"ok": {"sympy": ["Integer", "' + b"9" * 30_000 + b'"]}}',
        b'{"ok": {"dataclass": "os:path", "fields": {}}}',
        b'{"ok": {"dataclass": "not.imported.module:Thing", "fields": {}}}',
        b'{"ok": {"enum": "symderive.limits:BoundedPool", "name": "X"}}',
        b'{"ok": {"dataclass": "test_limits:Finding", "fields": {"name": "only one"}}}',
        b'{"ok": {"unknown": 1}}',
        b'{"ok": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
)
def test_a_malformed_result_is_a_bad_result(payload):
    with pytest.raises(ChildFailed) as failure:
        limits._unpack_outcome(payload)
    assert failure.value.kind == "BadResult"


# ---------------------------------------------------------------- the parser's limit can no longer be bypassed


@pytest.mark.parametrize("text", [r"2^{2^{2^{2^{2^{2}}}}}", r"10^{10^{10}}"])
def test_towers_of_powers_parse_quickly_or_fail_clearly(text):
    outcome = bounded(parse_in_bounds, text, seconds=30)
    assert outcome == ("parsed", "Pow") or outcome[0] == "error"


# ---------------------------------------------------------------- the pool


@pytest.fixture(scope="module")
def pool():
    with BoundedPool(jobs=2) as shared:
        yield shared


def test_the_pool_returns_values_in_order(pool):
    assert pool.map(square, [(1,), (2,), (3,)]) == [expand((x + v) ** 2) for v in (1, 2, 3)]


def test_workers_are_reused():
    with BoundedPool(jobs=1) as single:
        pids = {single.submit(pid).result() for _ in range(5)}
    assert len(pids) == 1 and pids != {os.getpid()}


def test_a_hung_task_does_not_block_the_others(pool):
    hung = pool.submit(sleep_then, 60, "late", seconds=1)
    quick = [pool.submit(sleep_then, 0.01, value) for value in range(6)]
    assert [task.result() for task in quick] == list(range(6))
    assert isinstance(hung.outcome(), TimeLimitExceeded)


def test_pool_failures_are_outcomes_and_the_pool_goes_on(pool):
    outcomes = pool.map(fail_with, [("ValueError", "bad relation")]) + pool.map(die_by, [(signal.SIGSEGV,)])
    assert [(type(o).__name__, o.kind) for o in outcomes] == [
        ("ChildFailed", "ValueError"), ("ChildFailed", "Crash"),
    ]
    with pytest.raises(ChildFailed):
        pool.submit(fail_with, "ValueError", "again").result()
    assert pool.submit(square, 0).result() == x**2


def test_a_pool_task_may_call_bounded(pool):
    assert pool.submit(nested_square, 4).result() == expand((x + 4) ** 2)


def test_pool_arguments_arrive_unevaluated(pool):
    ten = Pow(Integer(10), Pow(Integer(10), Integer(10), evaluate=False), evaluate=False)
    assert pool.submit(structure_of, ten, seconds=20).result() == ("Pow", True)


def test_the_pool_workers_have_the_memory_cap():
    with BoundedPool(jobs=1, memory_mb=256) as capped:
        outcome = capped.submit(allocate, 1024).outcome()
        assert isinstance(outcome, ChildFailed) and outcome.kind in ("MemoryError", "Crash")
        assert capped.submit(allocate, 16).result() == 16 * 2**20


def test_a_function_the_pool_cannot_send_is_a_failure(pool):
    outcome = pool.submit(lambda: 1).outcome()
    assert isinstance(outcome, ChildFailed)
