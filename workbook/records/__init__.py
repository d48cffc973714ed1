"""Records: the clinic store (SQLAlchemy Core), where files live, the demo store, de-identification.

Imports ``workbook.clinical``; never matplotlib or widgets.
"""

__all__: list[str] = []
