"""Hip Mobility Workbook: stretch routines, visit logs and progress for lower back pain.

The package's folders are its layers; imports point one way (a module never imports a layer
above it, and ``tests/test_layers.py`` reads the layer from the folder)::

    workbook/clinical/    pure logic on the data tables (pandas only)
    <- workbook/records/  storage: the clinic store, file locations, demo, de-identification
    <- workbook/documents/ files people read: charts, pictograms, handout, report, shared case
    <- workbook/ui/       the screens (ipywidgets)
    <- notebooks/         thin: one screen a cell

The names below are the public entry points; each is imported explicitly, so
``workbook.progress`` is always the function whatever else was imported.
"""

from __future__ import annotations

from .clinical.adherence import adherence_summary
from .clinical.measures import MOTIONS, SIDES, odi_index
from .clinical.outcomes import progress, score_progress
from .clinical.profile import PatientProfile
from .clinical.questionnaires import odi_section_names, psfs_progress, psfs_score
from .clinical.redflags import red_flags_table
from .clinical.reference import mdc_degrees, normal_value
from .clinical.review import review
from .clinical.routine import Routine, generate_routine
from .clinical.stretches import MOVEMENTS, load_stretches
from .documents.charts import ProgressChart, export_chart, progress_chart, score_chart
from .documents.handouts import handout
from .documents.report import progress_report
from .documents.share import import_case, share_case
from .errors import WorkbookError
from .records.caseload import caseload
from .records.demo import make_demo_store
from .records.paths import workbook_version
from .records.store import Store, open_store

__version__ = workbook_version()

__all__ = [
    "MOTIONS",
    "MOVEMENTS",
    "SIDES",
    "PatientProfile",
    "ProgressChart",
    "Routine",
    "Store",
    "WorkbookError",
    "adherence_summary",
    "caseload",
    "export_chart",
    "generate_routine",
    "handout",
    "import_case",
    "load_stretches",
    "make_demo_store",
    "mdc_degrees",
    "normal_value",
    "odi_index",
    "odi_section_names",
    "open_store",
    "progress",
    "progress_chart",
    "progress_report",
    "psfs_progress",
    "psfs_score",
    "red_flags_table",
    "review",
    "score_chart",
    "score_progress",
    "share_case",
]
