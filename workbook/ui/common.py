"""Helpers shared by the clinician screens: messages, escaped HTML, download links, images.

Nothing here knows about patients or stretches; it turns values into what an ipywidgets screen
shows. Every piece of text that may come from a therapist or a patient goes through
:func:`esc` before it lands in an ``HTML`` widget, because that widget does not sanitise.
"""

from __future__ import annotations

import base64
import html
import logging
import mimetypes
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ipywidgets as widgets

from ..clinical.display import error_message, format_date
from ..errors import WorkbookError

__all__ = [
    "data_url",
    "date_beside_html",
    "demo_banner_html",
    "download_link_html",
    "download_links_html",
    "download_spot",
    "esc",
    "field_message_html",
    "fixed_width",
    "full_width",
    "guess_mime",
    "heading_html",
    "html_table",
    "lines_html",
    "message_html",
    "open_default_store",
    "plain_error",
    "png_image",
    "refused_text",
    "safe_call",
    "show_error",
    "start_download",
    "store_label",
    "store_line_html",
]

log = logging.getLogger("workbook.ui")


# Colours chosen to read well on JupyterLab's light theme and to differ by more than hue
# (icons and words carry the meaning too).
_MESSAGE_STYLE = {
    "error": ("#7a1f1f", "#fdecea", "#c62828", "\u26a0"),
    "ok": ("#1b4d2b", "#e8f5e9", "#2e7d32", "\u2714"),
    "info": ("#1f3a5f", "#e8f0fb", "#1565c0", "\u2139"),
    "warn": ("#5d4200", "#fff4d6", "#e0a100", "\u26a0"),
}


def esc(value: object) -> str:
    """Escape any value for an HTML widget: patient text is data, never markup."""
    return html.escape("" if value is None else str(value), quote=True)


def message_html(text: str, kind: str = "info") -> str:
    """A one-line coloured message; ``text`` is escaped here."""
    if not text:
        return ""
    fg, bg, border, icon = _MESSAGE_STYLE.get(kind, _MESSAGE_STYLE["info"])
    return (
        f'<div class="wb-msg wb-msg-{kind}" style="color:{fg};background:{bg};'
        f"border-left:4px solid {border};padding:4px 8px;margin:2px 0;"
        f'line-height:1.4">{icon} {esc(text)}</div>'
    )


def demo_banner_html(store: Any) -> str:
    """A warning above the screens when the store is the demo of fictional patients."""
    if getattr(store, "is_demo", False):
        return message_html(
            "Demo store: every patient here is fictional. Do not enter real patient data.",
            "warn",
        )
    return ""


def store_label(store: Any) -> str:
    """The clinic store's name as a therapist knows it: its ``name`` in the store's metadata
    (set by ``python -m workbook init``), else its file name, else its database name.

    Examples
    --------
    >>> class Fake:
    ...     location = "/srv/clinic/north-clinic.sqlite"
    ...     def meta(self):
    ...         return {}
    >>> store_label(Fake())
    'north-clinic.sqlite'
    """
    try:
        name = str(store.meta().get("name", "") or "").strip()
    except Exception:  # a store that cannot say: fall back to where it is
        name = ""
    if name:
        return name
    location = str(getattr(store, "location", "") or "")
    if "://" in location:  # a server URL: its database name, never the host or the user
        return location.rsplit("/", 1)[-1].split("?", 1)[0] or location
    return location.replace("\\", "/").rsplit("/", 1)[-1]


def store_line_html(store: Any) -> str:
    """One quiet line naming the clinic store in use ('' for the demo: its banner says so)."""
    if getattr(store, "is_demo", False):
        return ""
    label = store_label(store)
    if not label:
        return ""
    return (
        '<div class="wb-store" style="color:#1f3a5f;font-size:12px;margin:0 0 2px 0">'
        f"\U0001f5c4 Clinic store: <b>{esc(label)}</b></div>"
    )


def open_default_store() -> Any:
    """The store a screen opens when given none: ``$WORKBOOK_DB``, else the demo store."""
    from ..records.store import open_store

    return open_store()


def date_beside_html(value: object) -> str:
    """The date a DatePicker holds, in the workbook's one format (``24 Nov 2026``).

    The picker itself shows the browser's locale (``11/24/2026``); this goes beside it so
    that the date reads the same as everywhere else on the screens.

    Examples
    --------
    >>> import datetime as dt
    >>> date_beside_html(dt.date(2026, 11, 24))
    "<span class='wb-date' style='color:#555'>24 Nov 2026</span>"
    >>> date_beside_html(None)
    ''
    """
    text = format_date(value, missing="")
    return f"<span class='wb-date' style='color:#555'>{esc(text)}</span>" if text else ""


def field_message_html(text: str) -> str:
    """A short message shown beside a form field; empty when the field is fine."""
    if not text:
        return ""
    return f'<span class="wb-field-error" style="color:#b71c1c">\u26a0 {esc(text)}</span>'


def plain_error(exc: BaseException, action: str = "") -> str:
    """Words a therapist can act on, for any exception.

    A :class:`~workbook.errors.WorkbookError` already names the field, the value and what is
    allowed; anything else is a fault of the workbook or the machine, said as such.
    """
    if isinstance(exc, WorkbookError):
        return refused_text(exc)
    what = f"{action} failed" if action else "That did not work"
    return f"{what}: {type(exc).__name__}: {exc}"


def refused_text(exc: WorkbookError) -> str:
    """A refused value in the therapist's words: "Hold (seconds) = 'abc' is not allowed; ..."."""
    return error_message(exc.field, exc.value, exc.allowed, exc.where)


def show_error(target: widgets.HTML, exc: BaseException, action: str = "") -> str:
    """Show ``exc`` in plain words in ``target`` and log it with its traceback.

    Returns the text shown. Inside a kernel an ``Output`` widget would swallow the exception,
    so errors are shown deliberately here and never re-raised into the frontend.
    """
    text = plain_error(exc, action)
    if isinstance(exc, WorkbookError):
        log.warning("%s: %s", action or "input refused", exc)
    else:
        log.error("%s", action or "unexpected error", exc_info=exc)
    target.value = message_html(text, "error")
    return text


def safe_call(target: widgets.HTML, action: str) -> Callable:
    """Decorate a callback so that any exception is shown in ``target`` and logged.

    Callbacks stay thin; this keeps a traceback from disappearing into the frontend's log.
    """

    def decorate(func: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except Exception as exc:  # shown to the therapist and logged, never swallowed
                show_error(target, exc, action)
                return None

        wrapper.__name__ = getattr(func, "__name__", "callback")
        wrapper.__doc__ = func.__doc__
        return wrapper

    return decorate


def data_url(data: bytes, mime: str) -> str:
    """``data:<mime>;base64,...`` for bytes the link carries."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def guess_mime(filename: str) -> str:
    mime, _ = mimetypes.guess_type(filename)
    return mime or "application/octet-stream"


def download_link_html(data: bytes, filename: str, label: str, mime: str | None = None) -> str:
    """An ``<a download>`` link that carries the bytes: ipywidgets has no download button.

    Works in JupyterLab and Voila; the file never has to be served from disk.
    """
    mime = mime or guess_mime(filename)
    return (
        f'<a class="wb-download" download="{esc(filename)}" href="{data_url(data, mime)}" '
        f'style="display:inline-block;margin:2px 8px 2px 0;padding:3px 10px;'
        f'border:1px solid #1565c0;border-radius:3px;color:#1565c0;text-decoration:none">'
        f"\u2b07 {esc(label)}</a>"
    )


def start_download(output: widgets.Output, data: bytes, filename: str) -> None:
    """Start the browser's download of ``data`` now: the one click that asked for it is enough.

    ipywidgets has no download button; a small script shown in a zero-height ``Output`` clicks
    an ``<a download>`` made on the spot (JupyterLab and Voila both run it). Callers keep a
    :func:`download_link_html` beside it in case the browser blocks the automatic download.
    """
    import json

    from IPython.display import Javascript

    url = data_url(data, guess_mime(filename))
    script = (
        "(() => {const a = document.createElement('a');"
        f"a.href = {json.dumps(url)}; a.download = {json.dumps(filename)};"
        "document.body.appendChild(a); a.click(); a.remove();})();"
    )
    output.outputs = ()
    output.append_display_data(Javascript(script))


def download_spot() -> widgets.Output:
    """The zero-height output that :func:`start_download` writes its script to."""
    return widgets.Output(layout=widgets.Layout(height="0px", overflow="hidden"))


def download_links_html(links: Iterable[tuple[bytes, str, str]]) -> str:
    """Several download links side by side: ``(data, filename, label)`` each."""
    return "".join(download_link_html(data, name, label) for data, name, label in links)


def fixed_width(width: str) -> widgets.Layout:
    """A layout of a fixed width, such as ``"200px"``."""
    return widgets.Layout(width=width)


def full_width(**more: str) -> widgets.Layout:
    """A layout that fills the width of its column box or grid cell, margins included.

    ``width: 100%`` would make a widget its box's width *plus* its 2 px margins, and the box
    would scroll sideways by 4 px; ``auto`` lets a column box or a grid stretch it to fit (a
    field's own default width, 300 px, no longer applies). In a row box (HBox), ``auto`` would
    shrink it to its content: give it ``flex="1 1 auto"`` there instead.
    """
    return widgets.Layout(width="auto", **more)


def png_image(png: bytes = b"", **layout: str) -> widgets.Image:
    """An ``Image`` widget for PNG bytes rendered from a matplotlib Figure."""
    return widgets.Image(value=png, format="png", layout=widgets.Layout(**layout))


def html_table(
    rows: Sequence[Sequence[str]],
    headers: Sequence[str],
    *,
    row_styles: Sequence[str] | None = None,
    escape: bool = True,
) -> str:
    """A plain readable HTML table; cells are escaped unless ``escape`` is False.

    With ``escape=False`` the caller has escaped every piece of text already (used where a cell
    holds markup the screen built, such as highlighted cautions).
    """
    cell = esc if escape else str
    head = "".join(
        f'<th style="text-align:left;padding:4px 8px;border-bottom:2px solid #999">{esc(h)}</th>'
        for h in headers
    )
    body = []
    for index, row in enumerate(rows):
        style = row_styles[index] if row_styles else ""
        cells = "".join(
            f'<td style="vertical-align:top;padding:4px 8px;border-bottom:1px solid #ddd">'
            f"{cell(v)}</td>"
            for v in row
        )
        body.append(f'<tr style="{style}">{cells}</tr>')
    return (
        # HTML widgets set a 28 px line height for one-line labels: tables need their own
        '<table class="wb-table" style="border-collapse:collapse;font-size:13px;width:100%;'
        'line-height:1.35">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def heading_html(text: str, level: int = 3) -> str:
    return f"<h{level} style='margin:6px 0'>{esc(text)}</h{level}>"


def lines_html(text: object) -> str:
    """Text with one item per line shown as escaped lines (``<br>`` between them)."""
    if text is None:
        return ""
    return "<br>".join(esc(line) for line in str(text).splitlines() if line.strip())
