"""'Did you mean' for a name that is not known: one rule for every error message that has one."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, known: Iterable[object], *, otherwise: str = "") -> str:
    """``"; did you mean 'x'?"`` for the closest of `known` (difflib's ratio ≥ 0.6), else `otherwise`
    (e.g. ``"; known keys: a, b"``), to append to a message that names `word` as unknown."""
    guess = difflib.get_close_matches(str(word), [str(k) for k in known], n=1)
    return f"; did you mean '{guess[0]}'?" if guess else otherwise


__all__ = ["did_you_mean"]
