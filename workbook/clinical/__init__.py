"""Clinical logic: the tables in ``data/`` and the pure functions on them (pandas only).

Profiles, stretches and routines, range-of-motion and score rules, normal values and
measurement error, progress, and ``display`` (numbers, dates and verdicts in words). Nothing here
imports storage, matplotlib or widgets, so every rule is testable on its own.
"""

__all__: list[str] = []
