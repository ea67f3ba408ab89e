"""The ``symderive`` command.

Exit status: 0 on success, 1 when a step fails verification (or a cross-check
disagrees), 2 for usage or input errors.  Results go to files or stdout;
messages go to stderr.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import results
from .calc import VerificationFailed
from .crosscheck import TorchMissing
from .model import Derivation, Status
from .render.json import derivation_to_dict, derivation_to_json
from .render.latex import derivation_to_latex, document_including

EXIT_OK, EXIT_REFUTED, EXIT_USAGE = 0, 1, 2
ALL_DOCUMENT = "all.tex"
CROSSCHECKS = ("init-variance",)


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
    derive.add_argument("--format", choices=("tex", "json"), default="tex", help="transcript format (default: tex)")

    crosscheck = commands.add_parser("crosscheck", help="compare a derived result with the real PyTorch")
    crosscheck.add_argument("name", choices=CROSSCHECKS, metavar="NAME", help=f"one of: {', '.join(CROSSCHECKS)}")
    crosscheck.add_argument("--reinitialisations", type=int, default=20000, metavar="R",
                            help="independent re-initialisations per width setting (default: 20000)")
    crosscheck.add_argument("--inputs", type=int, default=8, metavar="M",
                            help="N(0, 1) inputs per initialisation (default: 8)")
    crosscheck.add_argument("--seed", type=int, default=0)
    _add_check_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command == "list":
            return _list()
        if args.command == "derive":
            return _derive(args)
        if args.command == "check":
            return _check(args)
        return _crosscheck(args)
    except UsageError as exc:
        _say(f"symderive: error: {exc}")
        return EXIT_USAGE
    except VerificationFailed as exc:
        _say(f"symderive: verification failed: {exc}")
        return EXIT_REFUTED
    except TorchMissing as exc:
        _say(f"symderive: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _say("symderive: interrupted")
        return EXIT_USAGE
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
        raise UsageError(f"unknown result {unknown[0]!r}; known: {', '.join(results.names())}")
    return list(dict.fromkeys(names))


def _derive(args: argparse.Namespace) -> int:
    names = _chosen_names(args)
    derivations = [results.derive(name) for name in names]
    if args.out == "-":
        _print(derivations, args.format)
    else:
        _write(derivations, Path(args.out), args.format, include_document=args.all)
    return EXIT_OK


def _print(derivations: list[Derivation], fmt: str) -> None:
    if fmt == "json":
        import json

        payload = [derivation_to_dict(d) for d in derivations]
        print(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2, ensure_ascii=False))
    else:
        for derivation in derivations:
            sys.stdout.write(derivation_to_latex(derivation))


def _write(derivations: list[Derivation], out: Path, fmt: str, include_document: bool) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        for derivation in derivations:
            text = derivation_to_json(derivation) if fmt == "json" else derivation_to_latex(derivation)
            path = out / f"{derivation.name}.{fmt}"
            path.write_text(text, encoding="utf-8")
            _say(f"wrote {path}: {_tally(derivation)}")
        if include_document and fmt == "tex":
            path = out / ALL_DOCUMENT
            path.write_text(document_including([d.name for d in derivations]), encoding="utf-8")
            _say(f"wrote {path}")
    except OSError as exc:
        raise UsageError(f"cannot write to {out}: {exc.strerror or exc}") from exc


def _tally(derivation: Derivation) -> str:
    counts = {status: 0 for status in Status}
    for step in derivation.steps:
        counts[step.verification.status] += 1
    shown = ", ".join(f"{n} {status.value}" for status, n in counts.items() if n)
    return f"{len(derivation.steps)} steps ({shown})"


def _crosscheck(args: argparse.Namespace) -> int:
    if args.reinitialisations < 2 or args.inputs < 1:
        raise UsageError("--reinitialisations must be at least 2 and --inputs at least 1")
    from .crosscheck import init_variance

    comparisons = init_variance.run(args.reinitialisations, args.inputs, args.seed)
    print(init_variance.table(comparisons))
    agree = all(c.agrees for c in comparisons)
    _say(
        f"{'all' if agree else 'NOT all'} settings agree within {init_variance.Z_LIMIT} standard errors "
        f"({args.reinitialisations} re-initialisations x {args.inputs} inputs each)"
    )
    return EXIT_OK if agree else EXIT_REFUTED


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
    check.add_argument("--jobs", type=int, default=1, metavar="N", help="relations judged in parallel (default: 1)")


def _check(args: argparse.Namespace) -> int:
    from . import check

    if not args.timeout > 0 or args.timeout > 3600:
        raise UsageError("--timeout must be a number of seconds between 0 and 3600")
    if not 1 <= args.jobs <= 64:
        raise UsageError("--jobs must be between 1 and 64")
    files = check.collect_files(args.paths)
    if not files:
        raise UsageError("no .tex or .md files found in " + ", ".join(args.paths))
    try:
        notation = tuple(d for path in args.notation for d in check.notation_directives(Path(path)))
        reports = check.check_paths(files, check.Settings(args.timeout, args.jobs, notation))
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
