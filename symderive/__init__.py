"""symderive: symbolic derivations whose every step is produced by a named rule
and checked by an independent judge, with LaTeX proof transcripts.

    >>> from symderive import derive
    >>> derivation = derive("init-variance")
    >>> derivation.weakest_status.value
    'proved'
"""
from .judge import Context, Definition, judge
from .model import Assumption, Chain, Derivation, Outcome, Status, Step, Verdict, Verification
from .results import derive, names

__version__ = "0.1.0"

__all__ = [
    "Assumption", "Chain", "Context", "Definition", "Derivation", "Outcome", "Status", "Step",
    "Verdict", "Verification", "derive", "judge", "names",
]
