"""The ``symderive`` command.

Exit status: 0 on success, 1 when a step fails verification (or a cross-check
disagrees), 2 for usage or input errors.  Results go to files or stdout;
messages go to stderr.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from . import results
from .calc import RuleDidNotApply, VerificationFailed
from .crosscheck import TorchMissing, require_torch
from .limits import ChildFailed, TimeLimitExceeded, bounded
from .model import Derivation, Status
from .render.json import derivation_to_json
from .render.latex import derivation_to_latex, document_including
from .rules import RuleNotApplicable

EXIT_OK, EXIT_REFUTED, EXIT_USAGE = 0, 1, 2
ALL_DOCUMENT = "all.tex"
CROSSCHECKS = ("init-variance", "cnn-jacobian", "affine-gaussian", "kl-gaussian")


class UsageError(Exception):
    """Bad arguments or input: exit 2 with a one-line message."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symderive",
        description="Derive results step by step with SymPy, verify every step independently, "
        "and write LaTeX proof transcripts.",
        epilog="Exit status: 0 success, 1 a step failed verification, 2 usage or input error.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("list", help="list the built-in results")

    derive = commands.add_parser("derive", help="derive results and write their transcripts")
    derive.add_argument("names", nargs="*", metavar="NAME", help="results to derive (see 'symderive list')")
    derive.add_argument("--all", action="store_true", help="derive every built-in result")
    derive.add_argument("--out", default="derivations", metavar="DIR",
                        help="output directory, or '-' for stdout (default: derivations)")
    derive.add_argument("--format", choices=("tex", "json"), default=None,
                        help="transcript format (default: both into DIR, tex on stdout)")

    verify = commands.add_parser("verify", help="re-judge every step of saved JSON transcripts")
    verify.add_argument("files", nargs="+", metavar="FILE.json", help="transcripts written by 'derive'")
    verify.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="steps re-judged in parallel (default: the number of CPUs)")
    verify.add_argument("--seconds", type=float, default=None, metavar="S",
                        help="time limit per step: the transcript's own, at most S (default: 60)")
    verify.add_argument("--format", choices=("text", "json"), default="text", help="report format (default: text)")

    crosscheck = commands.add_parser("crosscheck", help="compare a derived result with the real PyTorch")
    crosscheck.add_argument("name", choices=CROSSCHECKS, metavar="NAME", help=f"one of: {', '.join(CROSSCHECKS)}")
    crosscheck.add_argument("--reinitialisations", type=int, default=20000, metavar="R",
                            help="independent re-initialisations per width setting (default: 20000)")
    crosscheck.add_argument("--inputs", type=int, default=8, metavar="M",
                            help="N(0, 1) inputs per initialisation (default: 8)")
    crosscheck.add_argument("--seed", type=int, default=0)
    crosscheck.add_argument("--format", choices=("table", "json"), default="table",
                            help="cnn-jacobian, affine-gaussian, kl-gaussian: a table for people, or JSON on stdout "
                            "(default: table)")
    _add_check_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command == "list":
            return _list()
        if args.command == "derive":
            return _derive(args)
        if args.command == "verify":
            return _verify(args)
        if args.command == "check":
            return _check(args)
        return _crosscheck(args)
    except UsageError as exc:
        _say(f"symderive: error: {exc}")
        return EXIT_USAGE
    except (RuleDidNotApply, RuleNotApplicable) as exc:  # a failed derivation, not a crash
        _say(f"symderive: derivation failed: {exc}")
        return EXIT_REFUTED
    except VerificationFailed as exc:
        _say(f"symderive: verification failed: {exc}")
        return EXIT_REFUTED
    except TorchMissing as exc:
        _say(f"symderive: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _say("symderive: interrupted")
        return EXIT_USAGE
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # no traceback reaches a user
        if os.environ.get("SYMDERIVE_DEBUG"):
            raise
        _say(f"symderive: internal error ({type(exc).__name__}: {exc}); set SYMDERIVE_DEBUG=1 for details")
        return EXIT_USAGE


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _list() -> int:
    for name in results.names():
        print(f"{name}\t{results.REGISTRY[name][0]}")
    return EXIT_OK


def _chosen_names(args: argparse.Namespace) -> list[str]:
    if args.all and args.names:
        raise UsageError("give result names or --all, not both")
    names = results.names() if args.all else args.names
    if not names:
        raise UsageError("name at least one result, or use --all (see 'symderive list')")
    unknown = [n for n in names if n not in results.REGISTRY]
    if unknown:
        raise UsageError(str(results.UnknownResult(unknown[0], results.names())))
    return list(dict.fromkeys(names))


def _derive(args: argparse.Namespace) -> int:
    names = _chosen_names(args)
    formats = _formats(args)
    if args.out != "-":
        _make_directory(Path(args.out))  # before deriving: an unwritable output fails fast
    rendered = [_derived(name, formats) for name in names]
    if args.out == "-":
        _print(rendered, formats[0])
    else:
        _write(rendered, Path(args.out), formats, include_document=args.all)
    return EXIT_OK


def _formats(args: argparse.Namespace) -> tuple[str, ...]:
    """``--format``; without it, both transcripts into a directory and LaTeX on stdout."""
    if args.format:
        return (args.format,)
    return ("tex",) if args.out == "-" else ("tex", "json")


@dataclass(frozen=True)
class Rendered:
    """One derivation's transcripts (format -> text), as they come back from the child that derived it."""

    name: str
    texts: dict[str, str]
    tally: str


DERIVE_SECONDS = 900.0  # for a whole derivation; each step's judgement runs inside this limit


def _derived(name: str, formats: tuple[str, ...]) -> Rendered:
    """Derive and render in one bounded child: its judgements run inline there, sharing caches."""
    try:
        return bounded(_derive_and_render, name, formats, seconds=DERIVE_SECONDS)
    except TimeLimitExceeded:
        raise VerificationFailed(f"{name}: no result within {DERIVE_SECONDS:g} s") from None
    except ChildFailed as exc:
        if exc.kind in ("RuleDidNotApply", "RuleNotApplicable"):  # the message names the chain and the rule
            raise RuleNotApplicable(str(exc)) from None
        if exc.kind == "VerificationFailed":
            raise VerificationFailed(str(exc)) from None
        raise RuntimeError(f"{name}: {exc.kind}: {exc}") from None


_RENDERERS = {"tex": derivation_to_latex, "json": derivation_to_json}


def _derive_and_render(name: str, formats: tuple[str, ...]) -> Rendered:
    derivation = results.derive(name)
    return Rendered(name, {fmt: _RENDERERS[fmt](derivation) for fmt in formats}, _tally(derivation))


def _print(rendered: list[Rendered], fmt: str) -> None:
    texts = [r.texts[fmt] for r in rendered]
    if fmt == "json" and len(texts) > 1:  # several transcripts: a JSON list of them, each as written to a file
        sys.stdout.write("[\n" + ",\n".join(t.rstrip("\n") for t in texts) + "\n]\n")
    else:
        for text in texts:
            sys.stdout.write(text)


def _make_directory(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write to {out}: {exc.strerror or exc}") from exc


def _write(rendered: list[Rendered], out: Path, formats: tuple[str, ...], include_document: bool) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        for r in rendered:
            for fmt in formats:
                path = out / f"{r.name}.{fmt}"
                path.write_text(r.texts[fmt], encoding="utf-8")
                _say(f"wrote {path}: {r.tally}")
        if include_document and "tex" in formats:
            path = out / ALL_DOCUMENT
            path.write_text(document_including([r.name for r in rendered]), encoding="utf-8")
            _say(f"wrote {path}")
    except OSError as exc:
        raise UsageError(f"cannot write to {out}: {exc.strerror or exc}") from exc


def _tally(derivation: Derivation) -> str:
    counts = {status: 0 for status in Status}
    for step in derivation.steps:
        counts[step.verification.status] += 1
    shown = ", ".join(f"{n} {status.value}" for status, n in counts.items() if n)
    return f"{len(derivation.steps)} steps ({shown})"


def _verify(args: argparse.Namespace) -> int:
    from . import verify

    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.seconds is not None and not 0 < args.seconds <= 3600:
        raise UsageError("--seconds must be above 0 and at most 3600")
    seconds = verify.MAX_STEP_SECONDS if args.seconds is None else args.seconds
    reports, errors = verify.verify_files(args.files, args.jobs, seconds)
    if args.format == "json":
        print(verify.reports_json(reports, errors))
    else:
        for report in reports:
            print(verify.report_text(report))
    for error in errors:
        _say(f"symderive: error: {error}")
    if errors:
        return EXIT_USAGE
    return EXIT_OK if all(r.passed for r in reports) else EXIT_REFUTED


def _crosscheck(args: argparse.Namespace) -> int:
    if args.name == "cnn-jacobian":
        return _crosscheck_cnn_jacobian(args)
    if args.name in ("affine-gaussian", "kl-gaussian"):
        return _crosscheck_gaussian(args)
    if args.format != "table":
        raise UsageError("--format json is available for cnn-jacobian only")
    from .crosscheck import init_variance

    if args.reinitialisations < init_variance.MIN_REINITIALISATIONS or args.inputs < 1:
        raise UsageError(
            f"--reinitialisations must be at least {init_variance.MIN_REINITIALISATIONS} (fewer give no reliable "
            "standard error, and cannot tell the formula from the one without the bias term) and --inputs at least 1"
        )
    require_torch()  # before the derivation, which takes seconds
    comparisons = init_variance.run(args.reinitialisations, args.inputs, args.seed)
    print(init_variance.table(comparisons))
    agree = all(c.agrees for c in comparisons)
    too_small = init_variance.too_small(comparisons)
    if agree and too_small:  # agreement that the rival formula would also get proves nothing
        raise UsageError(too_small)
    _say(
        f"{'all' if agree else 'NOT all'} settings agree within {init_variance.Z_LIMIT} standard errors "
        f"({args.reinitialisations} re-initialisations x {args.inputs} inputs each)"
    )
    return EXIT_OK if agree else EXIT_REFUTED


def _crosscheck_cnn_jacobian(args: argparse.Namespace) -> int:
    from .crosscheck import cnn_jacobian

    check = cnn_jacobian.run(args.seed)
    if args.format == "json":
        import json

        print(json.dumps(cnn_jacobian.to_json(check), indent=2))
    else:
        print(cnn_jacobian.table(check))
    return EXIT_OK if check.agrees and check.wrong_formula_rejected else EXIT_REFUTED


def _crosscheck_gaussian(args: argparse.Namespace) -> int:
    """The derived density or divergence, evaluated at concrete matrices, against scipy and torch."""
    from .crosscheck import densities
    from .results import affine_gaussian, kl_gaussian

    result = results.derive(args.name).result
    if args.name == "affine-gaussian":
        m = affine_gaussian
        comparisons = densities.affine_gaussian(result, m.n, m.A, m.b, m.x, args.seed)
    else:
        m = kl_gaussian
        comparisons = densities.kl_gaussian(result, m.d, m.Sigma_0, m.Sigma_1, m.mu_0, m.mu_1, args.seed)
    if args.format == "json":
        import json

        print(json.dumps(densities.to_json(comparisons), indent=2))
    else:
        print(densities.table(comparisons, args.name))
    ok = densities.agrees(comparisons) and densities.wrong_rejected(comparisons)
    return EXIT_OK if ok else EXIT_REFUTED
# -- check ---------------------------------------------------------------------


def _add_check_parser(commands) -> None:
    check = commands.add_parser(
        "check", help="verify a human-written LaTeX derivation step by step",
        description="Judge every relation of .tex/.md documents: verified, plausible, refuted (with a "
        "counterexample), unknown (with the reason) or error (with line and column).",
        epilog="Exit status: 0 nothing refuted, 1 something refuted, 2 usage or unreadable file.",
    )
    check.add_argument("paths", nargs="+", metavar="FILE|DIR", help=".tex or .md files, or directories of them")
    check.add_argument("--notation", action="append", default=[], metavar="FILE",
                       help="directives (one per line) in force before each document; may be repeated")
    check.add_argument("--timeout", type=float, default=5.0, metavar="S", help="seconds per relation (default: 5)")
    check.add_argument("--format", choices=("text", "json"), default="text", help="report format (default: text)")
    check.add_argument("--out", default="-", metavar="FILE", help="write the report here (default: stdout)")
    check.add_argument("--jobs", type=int, default=1, metavar="N",
                       help="worker processes, reused across relations and files (default: 1)")
    check.add_argument("--cache", default=None, metavar="DIR",
                       help="keep verdicts in DIR, so re-checking the same steps is cheap (default: "
                       "$SYMDERIVE_CACHE_DIR, else ~/.cache/symderive)")
    check.add_argument("--no-cache", action="store_true", help="judge every relation afresh, store nothing")
    check.add_argument("--prose-claims", action="store_true",
                       help="report a relation written inline in prose ($...$) as refuted when it fails; by default "
                       "it is unknown, as prose relations are usually hypotheses or cases ('for $t > 0$')")


def _check(args: argparse.Namespace) -> int:
    from . import check
    from .verdict_cache import default_directory

    if not args.timeout > 0 or args.timeout > 3600:
        raise UsageError("--timeout must be a number of seconds between 0 and 3600")
    if not 1 <= args.jobs <= 64:
        raise UsageError("--jobs must be between 1 and 64")
    files = check.collect_files(args.paths)
    if not files:
        raise UsageError("no .tex or .md files found in " + ", ".join(args.paths))
    try:
        notation = tuple(d for path in args.notation for d in check.notation_directives(Path(path)))
        cache = None if args.no_cache else str(args.cache or default_directory())
        reports = check.check_paths(files, check.Settings(args.timeout, args.jobs, notation, cache,
                                                               args.prose_claims),
                                    warn=lambda message: print(f"symderive check: {message}", file=sys.stderr))
    except check.DocumentError as exc:
        raise UsageError(str(exc)) from None
    text = check.report_json(reports) if args.format == "json" else check.report_text(reports)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    return check.exit_status(reports)


if __name__ == "__main__":
    sys.exit(main())
