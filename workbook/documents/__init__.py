"""Documents: every file a person reads (charts, pictograms, handout, report, shared case).

Drawn with matplotlib's object API (never pyplot's global state); imports ``clinical`` and
``records``, never widgets.
"""

__all__: list[str] = []
