"""Mutation testing of the judge: flip one operator or constant, run a fast test subset, count survivors.

    python benchmarks/mutation.py [--jobs 2] [--timeout 240] [--only FILE[:LINE]] [--out results.json]
    python benchmarks/mutation.py --rerun benchmarks/mutation-results.json --broad   # survivors, wider tests

Not part of CI (it takes hours on a loaded 2-core machine).  Why our own driver and not mutmut 3
(installed): mutmut 3 copies the project into ``mutants/`` and learns which tests reach each function
by recording calls in the test process, but every judgement runs in a forked child
(``symderive.limits.bounded``), so it would see the judge's functions as untested and skip their
mutants; it also needs a ``[tool.mutmut]`` section in the shared pyproject.

How it works: each target file is parsed once; every *mutation site* (a comparison operator, ``and``
/ ``or``, a ``not``, an arithmetic operator, an integer or boolean constant, a ``return`` of a value)
gives one mutant, the source with that one node changed (``ast.unparse``).  The parent process imports
SymPy, pytest and Hypothesis once and forks a child per mutant; the child installs an import hook
that serves the mutated source for the target module, runs the subset with ``pytest.main(["-x", ...])``
and exits with pytest's status.  A mutant is *killed* when the subset fails (or exceeds the time
limit, or crashes), *survived* when it passes.  The unmutated source must pass the same way first.

Coverage-guided, as mutmut does it: one run of the subset under ``coverage`` (the judge inline, each
test its own coverage context) tells which tests execute each statement; a mutant runs only those
tests (a table row's expectation test with its soundness test, as it reuses the cached verdict),
cheapest first as timed in that run (a killed mutant stops at its first failure), the
whole subset when its statement runs at import time, and none when no test executes it at all
(*not covered*: it survives by definition and is listed as such).
"""
from __future__ import annotations

import argparse
import ast
import copy
import importlib.abc
import importlib.util
import json
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TARGETS = (
    "symderive/judge/__init__.py",
    "symderive/judge/context.py",
    "symderive/judge/evaluation.py",
    "symderive/judge/functions.py",
    "symderive/judge/inequality.py",
    "symderive/judge/matrix_strategies.py",
    "symderive/judge/numbers.py",
    "symderive/judge/sampling.py",
    "symderive/judge/strategies.py",
    "symderive/judge/sums.py",
    "symderive/randomvars.py",
)

# The fast subset: cheap rows of the table (soundness and expectations, each judged once and cached),
# the strategy tests that call a strategy directly (no fork) and the judge's own unit tests that are
# cheap.  About 10 s of CPU for a mutant that survives; a killed one stops at its first failure.
FAST_ROWS = (
    # rows the mutant-killing tests rely on come first: most mutants die here
    "sum-k2-small-only", "sum-alternating-binomial-N", "sum-k", "alias-distinct", "floor-27720", "alias-log",
    "ceiling-minus-floor", "sign-square-integer", "sin-27720", "delta-at-zero", "delta-at-zero-real",
    "sqrt-shifted-N", "sum-hidden-hundred", "sum-beyond-the-cap", "delta-chain-seven",
    "undeclared-also-an-index-E", "delta-chain-zero", "same-name-variables", "long-sum-closed-wrong", "E-g4-wrong",
    "harmonic-from-zero", "undefined-everywhere", "undefined-shifted-sums", "stated-independence",
    "independence-stated-pair", "E-b", "E-bibj", "unstated-independence",
    "undeclared-X-E", "dep-E-cross", "sum-reorder", "E-first-times-sum-wrong",
    # sums, products, conventions
    "sum-k-any-n", "sum-k-any-n-karr", "sum-ones-m-n", "sum-ones-m-n-karr", "sum-ones-m-n-max", "sum-empty-m",
    "sum-reversed-5-1-karr", "sum-reversed-5-1-karr-value-textbook", "sum-split-any-n", "sum-split-any-n-karr",
    "sum-split-N", "sum-shift", "sum-shift-wrong", "sum-geometric-2", "sum-geometric-2-any-n", "sum-triangle",
    "sum-reorder-wrong", "sum-even-half-wrong", "sum-real-bound", "sum-entry-bound", "sum-telescoping-any-n-karr",
    "sum-double-any-n", "prod-factorial", "prod-const-any-n", "prod-const-any-n-karr", "prod-reversed-karr",
    "prod-off-by-one", "positive-index-from-zero-plain", "sum-k2-small-only-listed",
    # floors, roots, logs, assumptions
    "floor-odd-half-wrong", "floor-sum-neg", "mod-any", "heaviside", "sqrt-sq-real", "sqrt-sq-real-wrong",
    "sqrt-sq-complex-abs", "conjugate-complex", "log-square-real", "log-exp-complex", "cube-root-real",
    "sqrt-shifted-integer", "zero-symbol", "sum-harmonic-wrong",
    # random variables
    "E-b2", "E-b2-wrong", "Var-b", "E-b1b2", "E-b1b1", "Var-sum-L", "Var-sum-L-wrong", "Cov-b1b2", "Var-scale",
    "dep-E", "dep-E2", "dep-Var", "stated-independence", "declared-X-E", "declared-X-Var", "undeclared-X-Var",
    "undeclared-entry-E", "undeclared-real-Var", "E-W-transpose-concrete", "stated-same-entry-twice",
    # aliasing, definitions, huge and undefined inputs, non-numbers
    "alias-i-j", "alias-square-index", "alias-chain-delta-wrong", "alias-delta-dropped", "alias-sum",
    "defined-identical", "defined-squares", "defined-squares-wrong", "huge-factorials", "huge-integer",
    "tiny-rational", "tiny-exp", "pi-355-113", "huge-exponent-identical", "deep-squares-off",
    "zoo-ratio", "nan", "log-zero", "undefined-plus-zoo", "equation", "python-bool", "python-float", "tuple",
)
STRATEGY_TESTS = (
    "test_refutation_at_large_sizes_finds_the_counterexample_beyond_the_constants",
    "test_instances_list_sizes_beyond_every_constant",
    "test_draws_respect_the_assumptions",
    "test_sizes_go_beyond_every_constant",
    "test_a_refutation_names_each_unknown_once",
    # the sampler's contract, called directly (no judgement): what the rows reach only by chance
    "test_special_values_come_first_where_the_assumptions_allow", "test_every_seed_tries_the_integer_boundary_values",
    "test_every_seed_tries_zero_and_both_signs_for_a_real_symbol",
    "test_every_seed_tries_a_large_denominator_for_a_real_symbol", "test_every_seed_tries_zero_for_a_complex_symbol",
    "test_a_complex_symbol_gets_values_off_the_real_line", "test_meaningless_relations_say_why",
    "test_agreement_is_counted_at_twice_the_random_points",
    # the strategies' helpers, called directly
    "test_cheap_zero_drops_sums_of_zero_and_aligns_shifted_sums", "test_reduce_expands_aligns_then_simplifies",
    "test_premises_are_ordered_as_declared", "test_the_method_names_what_the_proof_used",
    "test_jumps_and_undefined_points_are_recognised", "test_sizes_are_shown_by_name",
    "test_agreement_points_follow_the_context_and_the_strategies_their_order",
    "test_instances_of_several_sizes_are_capped_and_counted",
    "test_quadrature_refutes_only_a_difference_its_enclosure_excludes_zero_from",
    "test_quadrature_leaves_sums_moments_and_complex_symbols_alone",
    "test_instances_without_a_size_or_beyond_every_size_are_no_evidence",
    "test_agreement_at_points_refutes_and_refuses_what_points_cannot_show",
    "test_a_refutation_at_sizes_names_the_symbols_the_sizes_hid", "test_instances_refute_what_the_small_sizes_hide",
    "test_an_instance_that_cannot_be_evaluated_is_unknown_with_its_size",
    "test_agreement_at_points_tries_large_sizes_and_reports_undecidable_points",
    "test_an_entry_that_only_a_written_out_sum_holds_is_sampled_for_a_refutation",
    "test_a_difference_not_reduced_to_zero_without_a_counterexample_is_unknown_at_its_instance",
    "test_an_identity_in_undeclared_functions_is_proved_with_every_application_an_unknown",
    "test_a_side_the_sampler_cannot_evaluate_is_no_evidence_of_being_undefined",
    "test_premises_are_all_kept_when_the_cheap_check_cannot_evaluate",
)
JUDGE_TESTS = (
    "test_identical_sides_are_proved", "test_false_identity_is_refuted_with_a_rechecked_counterexample",
    "test_definitions_are_unfolded_and_cited", "test_sums_with_shifted_limits_are_aligned",
    "test_wrong_sum_split_is_refuted_at_a_size", "test_independent_entries_split_variance",
    "test_symbolic_indices_that_may_coincide_are_not_assumed_distinct", "test_operators_without_a_model_are_unknown",
    "test_non_polynomial_functions_of_random_entries_are_not_constants",
    "test_unfolding_does_not_capture_summation_indices", "test_reversed_ranges_follow_one_convention",
    "test_tiny_differences_are_not_agreement", "test_operators_on_undeclared_names_are_undecided",
    "test_unexpected_inputs_are_unknown_not_errors", "test_declared_instance_values_are_the_sizes_tried",
    "test_identical_sides_are_no_proof_of_a_strict_inequality",
    "test_a_definition_the_sides_agree_without_after_expansion_is_not_cited",
    "test_a_relation_no_strategy_decides_is_unknown_with_the_first_note_or_says_so",
    "test_unknown_relations_and_declared_infinite_symbols_are_unknown_and_say_why",
    "test_an_exception_inside_the_judge_is_unknown_and_named",
    "test_one_meaningless_side_is_enough_and_is_named_in_the_reason",
)

SOUNDNESS_TESTS = (  # premises cited exactly (judge/__init__.py's withdrawal of unneeded definitions)
    "test_only_the_premises_used_are_cited", "test_a_definition_that_changes_a_side_but_is_not_needed_is_not_cited",
    "test_distinct_families_are_dependent_unless_stated",
)


def fast_subset() -> list[str]:
    table = "tests/test_judge_table.py"
    rows = [f"{table}::test_judge_is_sound_on_row[{r}]" for r in FAST_ROWS]
    rows += [f"{table}::test_verdict_is_as_expected_and_not_weaker_than_recorded[{r}]" for r in FAST_ROWS]
    rows += [f"tests/test_judge_strategies.py::{t}" for t in STRATEGY_TESTS]
    rows += [f"tests/test_judge.py::{t}" for t in JUDGE_TESTS]
    rows += [f"tests/test_judge_soundness.py::{t}" for t in SOUNDNESS_TESTS]
    rows += ["tests/test_judge_domains.py::test_inequalities"]  # judge(..., relation="<=") and the like
    rows += ["tests/test_randomvars.py"]  # randomvars.py's own unit tests (cheap): what the judge does not reach
    # the sampler and the evaluation and sum helpers, called directly (cheap)
    rows += ["tests/test_judge_sampling.py", "tests/test_judge_evaluation.py", "tests/test_judge_sums.py",
             "tests/test_judge_numbers.py"]
    # definitions, functions, inequalities and matrix relations, called directly (cheap: small matrices)
    rows += ["tests/test_judge_context.py", "tests/test_judge_functions.py", "tests/test_judge_inequality.py",
             "tests/test_judge_matrix_strategies.py"]
    return rows


# Judgements that need the judge's own time limit hang when the judge runs inline: left out.
_NEEDS_THE_LIMIT = (
    "nested-radical", "long-geometric", "deep-sin-off-by-one", "tower-plus-one", "tower-respelt", "cos-sevenths",
    "long-sum-split", "huge-power-binomial", "huge-power-zero", "long-product",
)


def broad_subset(inline: bool = True) -> list[str]:
    """The judge's tests, the table's slow rows included, for the mutants that survive the fast subset.

    Inline judging has no time limit, so the rows and tests that rely on it are deselected then.
    """
    table = "tests/test_judge_table.py"
    files = [table, "tests/test_judge_strategies.py", "tests/test_judge_properties.py", "tests/test_judge.py",
             "tests/test_judge_soundness.py", "tests/test_judge_domains.py", "tests/test_randomvars.py"]
    files += [f"tests/test_judge_{module}.py" for module in (  # the direct unit tests of each module
        "sampling", "evaluation", "sums", "numbers", "context", "functions", "inequality", "matrix_strategies")]
    if not inline:
        return files
    deselect = [f"--deselect={table}::{test}[{row}]" for row in _NEEDS_THE_LIMIT
                for test in ("test_judge_is_sound_on_row", "test_verdict_is_as_expected_and_not_weaker_than_recorded",
                             "test_truth_is_established_independently")]
    deselect += [f"--deselect={table}::test_an_unevaluated_tower_beside_a_sum_is_bounded",
                 f"--deselect={table}::test_law_moments_are_computed_under_the_limit",  # inline: always "under"
                 "--deselect=tests/test_judge_properties.py::test_property_thoroughly"]
    deselect += [f"--deselect=tests/test_judge_soundness.py::{test}" for test in (
        "test_huge_powers_are_bounded", "test_nested_radicals_are_bounded",
        "test_the_time_limit_works_off_the_main_thread", "test_verdicts_do_not_depend_on_the_hash_seed")]
    deselect += ["--deselect=tests/test_judge.py::"
                 "test_a_judgement_out_of_time_or_whose_process_dies_is_unknown_and_says_which"]
    return [*files, *deselect]


# -- mutation sites ----------------------------------------------------------------------------------

_COMPARE_SWAP = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE,
                 ast.GtE: ast.Gt, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
_BINOP_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
               ast.Pow: ast.Mult, ast.Mod: ast.FloorDiv}


@dataclass
class Mutant:
    file: str
    index: int  # the site's number in the file, in traversal order
    line: int
    kind: str
    before: str
    after: str
    first_line: int = 0  # the enclosing statement's lines, for the coverage lookup
    last_line: int = 0
    status: str = ""
    seconds: float = 0.0
    tests: int = 0  # how many tests ran against it

    @property
    def name(self) -> str:
        return f"{self.file}:{self.line}#{self.index}"


class _Sites(ast.NodeTransformer):
    """Walks a module in a fixed order; numbers every site, and changes site ``target`` if given."""

    def __init__(self, target: int | None = None) -> None:
        self.target = target
        self.count = 0
        self.found: list[tuple[int, str, str, str]] = []  # (line, kind, before, after)

    def _site(self, node: ast.AST, kind: str, mutated: ast.AST) -> ast.AST:
        number = self.count
        self.count += 1
        if self.target is None:
            self.found.append((getattr(node, "lineno", 0), kind, _short(node), _short(mutated)))
            return node
        return mutated if number == self.target else node

    # nodes never mutated: docstrings, annotations, imports, __all__
    def visit_Import(self, node):
        return node

    visit_ImportFrom = visit_Import

    def visit_AnnAssign(self, node):
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_FunctionDef(self, node):
        node.returns = node.returns  # annotations untouched
        for arg in node.args.args + node.args.kwonlyargs + node.args.posonlyargs:
            arg.annotation = arg.annotation
        node.args.defaults = [self.visit(d) for d in node.args.defaults]
        node.args.kw_defaults = [self.visit(d) if d is not None else None for d in node.args.kw_defaults]
        node.body = [self.visit(statement) for statement in node.body]
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node):
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return node
        return self.generic_visit(node)

    def visit_Compare(self, node):
        node = self.generic_visit(node)
        for position, op in enumerate(node.ops):
            if type(op) in _COMPARE_SWAP:
                mutated = copy.copy(node)
                mutated.ops = list(node.ops)
                mutated.ops[position] = _COMPARE_SWAP[type(op)]()
                node = self._site(node, "compare", mutated)
        return node

    def visit_BoolOp(self, node):
        node = self.generic_visit(node)
        mutated = ast.BoolOp(op=ast.Or() if isinstance(node.op, ast.And) else ast.And(), values=node.values)
        return self._site(node, "boolop", ast.copy_location(mutated, node))

    def visit_UnaryOp(self, node):
        node = self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return self._site(node, "not", node.operand)
        return node

    def visit_BinOp(self, node):
        node = self.generic_visit(node)
        if type(node.op) in _BINOP_SWAP:
            mutated = ast.BinOp(left=node.left, op=_BINOP_SWAP[type(node.op)](), right=node.right)
            return self._site(node, "arith", ast.copy_location(mutated, node))
        return node

    def visit_Constant(self, node):
        if isinstance(node.value, bool):
            return self._site(node, "bool", ast.copy_location(ast.Constant(not node.value), node))
        if isinstance(node.value, int):
            value = node.value + 1 if abs(node.value) <= 4 else 0
            return self._site(node, "int", ast.copy_location(ast.Constant(value), node))
        return node

    def visit_Expr(self, node):  # a docstring or a bare call: only the call's arguments
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node
        return self.generic_visit(node)

    def visit_Return(self, node):
        node = self.generic_visit(node)
        if node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None):
            return self._site(node, "return", ast.copy_location(ast.Return(value=ast.Constant(None)), node))
        return node


def _short(node: ast.AST) -> str:
    text = ast.unparse(node).replace("\n", " ")
    return text if len(text) <= 90 else text[:87] + "..."


def mutants_of(file: str) -> list[Mutant]:
    tree = ast.parse((ROOT / file).read_text())
    statements = [(node.lineno, node.end_lineno) for node in ast.walk(tree)
                  if isinstance(node, ast.stmt) and not isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    sites = _Sites()
    sites.visit(ast.parse((ROOT / file).read_text()))
    found = []
    for n, (line, kind, before, after) in enumerate(sites.found):
        around = [(a, z) for a, z in statements if a <= line <= z]
        first, last = min(around, key=lambda s: s[1] - s[0]) if around else (line, line)
        found.append(Mutant(file, n, line, kind, before, after, first, last))
    return found


def mutated_source(mutant: Mutant) -> str:
    tree = ast.parse((ROOT / mutant.file).read_text())
    tree = _Sites(mutant.index).visit(tree)
    return ast.unparse(ast.fix_missing_locations(tree))


def module_name(file: str) -> str:
    name = file[:-3].replace("/", ".")
    return name[: -len(".__init__")] if name.endswith(".__init__") else name


# -- which tests execute which statement -----------------------------------------------------------------


_ORDER: list[str] = []  # node ids in the order the coverage run met them
_SECONDS: dict[str, float] = {}  # how long each took there


class _ContextPlugin:
    """Switches the coverage context to each test's node id while it runs."""

    def __init__(self, cov) -> None:
        self.cov = cov

    def pytest_runtest_setup(self, item):
        _ORDER.append(item.nodeid)
        _SECONDS[item.nodeid] = time.monotonic()
        self.cov.switch_context(item.nodeid)

    def pytest_runtest_teardown(self, item):
        self.cov.switch_context("")
        _SECONDS[item.nodeid] = time.monotonic() - _SECONDS[item.nodeid]


def coverage_map(tests: list[str], out: Path) -> None:
    """Run the subset inline under coverage in a child; write {file: {line: [node ids]}} to ``out``."""
    pid = os.fork()
    if pid:
        _, status = os.waitpid(pid, 0)
        if not out.exists():
            sys.exit(f"the coverage run failed (status {status})")
        return
    try:
        fd = os.open(out.with_suffix(".log"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        import coverage

        data_file = out.with_suffix(".coverage")
        cov = coverage.Coverage(data_file=str(data_file), include=[str(ROOT / t) for t in TARGETS])
        cov.start()
        import symderive.limits

        symderive.limits._INSIDE = True
        import pytest

        pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--no-header", *tests],
                     plugins=[_ContextPlugin(cov)])
        cov.stop()
        cov.save()
        data = cov.get_data()
        mapping = {"_order": _ORDER, "_seconds": _SECONDS}
        for target in TARGETS:
            by_line = data.contexts_by_lineno(str(ROOT / target))
            mapping[target] = {str(line): sorted(set(contexts)) for line, contexts in by_line.items()}
        out.write_text(json.dumps(mapping))
    finally:
        os._exit(0)


def tests_for(mutant: Mutant, mapping: dict, subset: list[str]) -> list[str] | None:
    """The subset's tests that execute the mutant's statement, in subset order; None if none does."""
    lines = mapping.get(mutant.file, {})
    contexts: set[str] = set()
    executed = False
    for line in range(mutant.first_line, mutant.last_line + 1):
        if str(line) in lines:
            executed = True
            contexts |= set(lines[str(line)])
    if not executed:
        return None
    if "" in contexts:  # runs at import time (or between tests): it may affect any test
        return list(subset)
    siblings = {c.replace("test_judge_is_sound_on_row[", "test_verdict_is_as_expected_and_not_weaker_than_recorded[")
                for c in contexts}
    chosen = contexts | siblings
    # Cheapest first (as timed in the coverage run): a killed mutant usually fails a cheap direct unit
    # test as surely as a whole judgement.  A table row's two tests stay together (the second reuses the
    # first's cached verdict), timed as one.
    seconds = mapping.get("_seconds", {})
    ordered = [t for t in mapping["_order"] if t in chosen]
    pair_cost = {t: seconds.get(t, 0.0) + seconds.get(_sibling(t), 0.0) for t in ordered}
    position = {t: n for n, t in enumerate(ordered)}
    key = {t: (pair_cost[t], position[_first_of_pair(t, position)], position[t]) for t in ordered}
    return sorted(ordered, key=key.__getitem__) or list(subset)


_SOUND, _EXPECTED = "test_judge_is_sound_on_row[", "test_verdict_is_as_expected_and_not_weaker_than_recorded["


def _sibling(test: str) -> str:
    """The other test of a table row (the same verdict, cached), or the test itself."""
    if _SOUND in test:
        return test.replace(_SOUND, _EXPECTED)
    return test.replace(_EXPECTED, _SOUND)


def _first_of_pair(test: str, position: dict[str, int]) -> str:
    sibling = _sibling(test)
    return sibling if sibling in position and position[sibling] < position[test] else test


# -- running one mutant in a forked child ---------------------------------------------------------------


class _MutantFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, name: str, path: Path, source: str) -> None:
        self.name, self.path, self.source = name, path, source

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        is_package = self.path.name == "__init__.py"
        return importlib.util.spec_from_file_location(
            fullname, self.path, loader=self,
            submodule_search_locations=[str(self.path.parent)] if is_package else None)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        exec(compile(self.source, str(self.path), "exec"), module.__dict__)


INLINE = True


def _child(mutant: Mutant | None, tests: list[str], log: Path) -> None:
    os.setpgid(0, 0)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    if mutant is not None:
        sys.meta_path.insert(0, _MutantFinder(module_name(mutant.file), ROOT / mutant.file, mutated_source(mutant)))
    if INLINE:
        # Judge inline, without a fork per judgement: the subset has no relation that needs the
        # judge's own time limit, and the mutant's time limit still bounds the whole run.
        import symderive.limits

        symderive.limits._INSIDE = True
    import pytest

    code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--no-header", *tests])
    sys.stdout.flush()
    os._exit(int(code))


def run_all(mutants: list[Mutant | None], tests, jobs: int, timeout: float, logs: Path,
            on_done) -> None:
    """Run mutants ``jobs`` at a time; ``tests(mutant)`` chooses its tests; ``on_done(mutant, status, seconds)``."""
    queue = list(mutants)
    running: dict[int, tuple[Mutant | None, float]] = {}
    while queue or running:
        while queue and len(running) < jobs:
            mutant = queue.pop(0)
            log = logs / (f"{mutant.name.replace('/', '_')}.log" if mutant else "baseline.log")
            pid = os.fork()
            if pid == 0:
                try:
                    _child(mutant, tests(mutant), log)
                finally:
                    os._exit(99)
            running[pid] = (mutant, time.monotonic())
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            now = time.monotonic()
            for other, (mutant, started) in list(running.items()):
                if now - started > timeout:
                    try:
                        os.killpg(other, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            time.sleep(0.2)
            continue
        if pid not in running:
            continue
        mutant, started = running.pop(pid)
        seconds = time.monotonic() - started
        if os.WIFSIGNALED(status):
            verdict = "timeout" if seconds > timeout else "crashed"
        else:
            code = os.WEXITSTATUS(status)
            verdict = "survived" if code == 0 else ("killed" if code == 1 else f"error-{code}")
        try:
            os.killpg(pid, signal.SIGKILL)  # the judge's own children, if any remain
        except ProcessLookupError:
            pass
        on_done(mutant, verdict, seconds)


def _file_and_lines(only: str) -> tuple[str, int, int]:
    """``FILE``, ``FILE:LINE`` or ``FILE:FIRST-LAST`` as (file, first line, last line)."""
    file, _, lines = only.partition(":")
    if not lines:
        return file, 0, 10**9
    first, _, last = lines.partition("-")
    return file, int(first), int(last or first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=240.0)
    parser.add_argument("--only", action="append", default=[], help="FILE, FILE:LINE or FILE:FIRST-LAST (repeatable)")
    parser.add_argument("--skip", action="append", default=[],
                        help="a results file: leave out the mutants it holds (same site, same change)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "mutation-results.json"))
    parser.add_argument("--rerun", help="a results file: rerun its survivors")
    parser.add_argument("--broad", action="store_true", help="run the broad subset instead of the fast one")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--logs", default="/tmp/symderive-mutation-logs", help="where the survivors' logs go")
    parser.add_argument("--fork-per-judgement", action="store_true",
                        help="keep the judge's fork per call (slower; the broad subset needs it)")
    args = parser.parse_args()
    global INLINE
    INLINE = not args.fork_per_judgement
    if args.broad:
        os.environ["SYMDERIVE_SLOW"] = "1"  # the table's slow rows too
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))

    if args.rerun:
        previous = [Mutant(**{k: v for k, v in m.items() if k in Mutant.__dataclass_fields__})
                    for m in json.loads(Path(args.rerun).read_text())["mutants"]]
        mutants = [m for m in previous if m.status in ("survived", "not-covered")]
    else:
        mutants = [m for file in TARGETS for m in mutants_of(file)]
    if args.only:  # any of the given files or line ranges
        wanted = [_file_and_lines(only) for only in args.only]
        mutants = [m for m in mutants if any(m.file == file and first <= m.line <= last
                                             for file, first, last in wanted)]
    for done_file in args.skip:  # a mutant already run: the same change at the same site of the same file
        done_before = {(m["file"], m["line"], m["before"], m["after"])
                       for m in json.loads(Path(done_file).read_text())["mutants"]}
        mutants = [m for m in mutants if (m.file, m.line, m.before, m.after) not in done_before]
    if args.list:
        for m in mutants:
            print(f"{m.name:45s} {m.kind:8s} {m.before}  ->  {m.after}")
        print(len(mutants), "mutants")
        return

    import hypothesis  # noqa: F401  (imported once here, inherited by every child)
    import pytest  # noqa: F401
    import sympy  # noqa: F401
    import sympy.stats  # noqa: F401

    tests = broad_subset(INLINE) if args.broad else fast_subset()
    logs = Path(args.logs)
    logs.mkdir(parents=True, exist_ok=True)
    baseline: list[str] = []
    run_all([None], lambda m: tests, 1, args.timeout * 3, logs, lambda m, status, s: baseline.append(status))
    if baseline != ["survived"]:
        sys.exit(f"the unmutated code does not pass the subset ({baseline}); see {logs / 'baseline.log'}")
    map_file = logs / f"coverage-map-{'broad' if args.broad else 'fast'}.json"
    coverage_map(tests, map_file)
    mapping = json.loads(map_file.read_text())

    started = time.time()
    done: list[Mutant] = []

    def record(mutant: Mutant, status: str, seconds: float) -> None:
        mutant.status, mutant.seconds = status, round(seconds, 1)
        done.append(mutant)
        if status != "survived":
            (logs / f"{mutant.name.replace('/', '_')}.log").unlink(missing_ok=True)
        print(f"[{len(done)}/{len(mutants)}] {status:11s} {seconds:6.1f}s {mutant.tests:3d} tests {mutant.name:45s} "
              f"{mutant.before} -> {mutant.after}", flush=True)
        summary = {
            "subset": "broad" if args.broad else "fast", "tests": tests, "timeout": args.timeout,
            "elapsed_seconds": round(time.time() - started), "mutants": [asdict(m) for m in done],
        }
        Path(args.out).write_text(json.dumps(summary, indent=1))

    chosen: dict[str, list[str] | None] = {}
    for mutant in mutants:
        chosen[mutant.name] = tests_for(mutant, mapping, tests)
    for mutant in [m for m in mutants if chosen[m.name] is None]:
        record(mutant, "not-covered", 0.0)
    runnable = [m for m in mutants if chosen[m.name] is not None]
    for mutant in runnable:
        mutant.tests = len(chosen[mutant.name])
    run_all(runnable, lambda m: chosen[m.name], args.jobs, args.timeout, logs, record)
    counts: dict[str, int] = {}
    for m in done:
        counts[m.status] = counts.get(m.status, 0) + 1
    print(json.dumps(counts), f"in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
