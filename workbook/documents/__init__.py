"""Documents: every file a person reads, drawn with matplotlib's object API (never pyplot).

Imports ``clinical`` and ``records``, never widgets. Numbers become words in
:mod:`workbook.clinical.display`; every file is written through :mod:`.files`.

- ``files``: atomic, owner-only writes; target checks; neutral file metadata.
- ``charts``: the progress chart and the pain/ODI chart (``progress_chart``, ``score_chart``),
  built from ``chart_plan`` (what to draw) and ``chart_draw`` (drawing it); ``chart_export``
  writes PNG/SVG/PDF; ``live_chart`` is the fast screen renderer (``ProgressChart``).
- ``pictograms``: stick figures of the stretches, drawn from the pose data in ``poses``.
- ``handouts``: the patient's sheet (``handout``), from ``handout_content`` laid out by
  ``handout_html_layout`` or ``handout_pdf_layout``.
- ``report``: the therapist's multi-page progress report (PDF).
- ``share``: a case bundle for a colleague, and importing one; its page is ``share_report``.
"""

__all__: list[str] = []
