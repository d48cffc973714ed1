"""What every screen does alike: redraw only when shown, tell its listeners, show its errors.

A screen is a widget (``class Screen(VBox)``) that keeps its child widgets private. Subclasses
build their children, lay them out and wire the callbacks in three steps, as the ipywidgets
tutorial's ``my_application/application.py`` does::

    class MyScreen(Screen):
        def __init__(self, store):
            super().__init__()
            self.model = MyModel(store)  # knows no widget
            self._build()                # make the child widgets
            self._layout()               # place them: self.children = [...]
            self._wire()                 # observe / on_click, pointing at the callbacks

        # callbacks ----------------------------------------------------------------------
        def _on_click(self, _button): ...

State every screen repeats, kept here once:

- **shown or hidden** (:attr:`Screen.active`). An app with tabs hides most of its screens; a
  hidden screen does not redraw when its content changes, it is marked stale
  (:meth:`Screen.mark_stale`) and redraws (:meth:`Screen._redraw`) as soon as it is shown, so
  picking a patient stays quick and no stale chart or table is ever on screen.
- **listeners** (:meth:`Screen.add_listener`, :meth:`Screen._notify`): the app wires screens
  together; one listener that fails is shown as an error and does not stop the others.
- **one patient at a time** (:meth:`Screen.reset_for_patient`, :meth:`Screen.has_unsaved`): the
  app asks every screen whether it holds unsaved values before another patient is opened, and
  then tells every screen to forget what was typed or chosen for the previous one.
- **errors shown to the therapist** (:meth:`Screen._show_error`, :meth:`Screen.errors`): inside a
  kernel an exception in a callback would vanish into the frontend's log, so it is shown in
  plain words in the screen's message line and logged.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from typing import Any

import ipywidgets as widgets

from .common import show_error

__all__ = ["INPUT_TYPES", "Listener", "Screen", "input_widgets", "shown_errors"]

Listener = Callable[..., Any]

_ERROR = re.compile(r'class="wb-msg wb-msg-error"')


def _plain(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup or "")).strip()


def shown_errors(root: widgets.Widget) -> list[str]:
    """The error messages currently shown anywhere under ``root``, as plain text.

    Examples
    --------
    >>> box = widgets.VBox([widgets.HTML('<div class="wb-msg wb-msg-error">it &amp; broke</div>')])
    >>> shown_errors(box)
    ['it & broke']
    """
    found: list[str] = []
    stack = [root]
    while stack:
        widget = stack.pop()
        if isinstance(widget, widgets.HTML) and _ERROR.search(widget.value or ""):
            found.append(_plain(widget.value))
        stack.extend(getattr(widget, "children", ()))
    return found


#: The widgets a therapist types into or chooses with (what must not carry between patients).
INPUT_TYPES: tuple[type, ...] = (
    widgets.Text,
    widgets.Textarea,
    widgets.Checkbox,
    widgets.ToggleButton,
    widgets.Dropdown,
    widgets.Select,
    widgets.SelectMultiple,
    widgets.RadioButtons,
    widgets.ToggleButtons,
    widgets.IntText,
    widgets.FloatText,
    widgets.BoundedIntText,
    widgets.BoundedFloatText,
    widgets.IntSlider,
    widgets.FloatSlider,
    widgets.DatePicker,
)


def input_widgets(root: widgets.Widget) -> list[widgets.Widget]:
    """Every input widget under ``root`` (itself included), depth first, in screen order.

    Examples
    --------
    >>> box = widgets.VBox([widgets.Text(), widgets.HBox([widgets.Checkbox()]), widgets.HTML()])
    >>> [type(w).__name__ for w in input_widgets(box)]
    ['Text', 'Checkbox']
    """
    found: list[widgets.Widget] = []
    stack = [root]
    while stack:
        widget = stack.pop()
        if isinstance(widget, INPUT_TYPES):
            found.append(widget)
        stack.extend(reversed(list(getattr(widget, "children", ()))))
    return found


class Screen(widgets.VBox):
    """Base class of the screens: shown/stale state, listeners, errors shown.

    Parameters
    ----------
    children : iterable of Widget, optional
        Usually left empty and set by the subclass's ``_layout()``.
    active : bool
        Shown now. A hidden screen redraws when it is shown again.

    Examples
    --------
    >>> class Counter(Screen):
    ...     def __init__(self, active=True):
    ...         super().__init__(active=active)
    ...         self.drawn = 0
    ...     def _redraw(self):
    ...         self.drawn += 1
    >>> counter = Counter(active=False)
    >>> counter.mark_stale()          # hidden: nothing drawn yet
    >>> counter.drawn, counter.stale
    (0, True)
    >>> counter.active = True         # shown: drawn once, now fresh
    >>> counter.drawn, counter.stale
    (1, False)
    """

    def __init__(self, children: Iterable[widgets.Widget] = (), *, active: bool = True) -> None:
        super().__init__(list(children))
        self._active = bool(active)
        self._stale = False
        self._listeners: list[Listener] = []
        # the screen's message line: errors land here unless a callback names its own target
        self._message = widgets.HTML()
        self._remembered: list[tuple[widgets.Widget, Any]] = []

    # shown or hidden ------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """Shown now; setting it True redraws a stale screen at once."""
        return self._active

    @active.setter
    def active(self, value: bool) -> None:
        self._active = bool(value)
        if self._active:
            self.ensure()

    @property
    def stale(self) -> bool:
        """True while the content shown is older than what it should show."""
        return self._stale

    def mark_stale(self) -> None:
        """The content changed: redraw now when shown, else as soon as the screen is shown."""
        self._stale = True
        if self._active:
            self.ensure()
        else:
            self._hide_stale()

    def ensure(self) -> None:
        """Redraw now if stale, shown or not (for a caller that needs the content itself)."""
        if self._stale:
            self._stale = False
            self._redraw()

    def _redraw(self) -> None:
        """Bring the content up to date; subclasses that draw lazily override this."""

    def _hide_stale(self) -> None:
        """Hide what is out of date while the screen waits to be shown; subclasses override."""

    # one patient at a time ----------------------------------------------------------------------
    def reset_for_patient(self) -> None:
        """Forget every value typed or chosen for the previous patient.

        The app calls it on every screen when another patient is opened, before the screen is
        told of the new patient. Screens with inputs override it; the default puts back the
        values kept by :meth:`remember_inputs` (nothing, if none were kept).
        """
        for widget, value in self._remembered:
            options = getattr(widget, "options", None)
            if options is not None and not isinstance(widget, widgets.SelectMultiple):
                allowed = [o[1] if isinstance(o, tuple) else o for o in options]
                if value not in allowed:
                    continue
            if widget.value != value:
                widget.value = value

    def remember_inputs(self) -> None:
        """Keep the values every input shows now, for the default :meth:`reset_for_patient`."""
        self._remembered = [(w, w.value) for w in input_widgets(self)]

    def has_unsaved(self) -> bool:
        """True while values typed here would be lost if another patient were opened.

        The app asks before switching and lets the therapist keep or discard them.
        """
        return False

    # listeners ---------------------------------------------------------------------------------
    def add_listener(self, callback: Listener) -> None:
        """Call ``callback(*args)`` each time the screen notifies (what it means: the subclass)."""
        self._listeners.append(callback)

    def _notify(self, *args: Any, action: str = "Updating the other screens") -> None:
        """Call every listener; a failing one is shown and logged, the others still run."""
        for callback in self._listeners:
            try:
                callback(*args)
            except Exception as exc:  # one broken screen must not hide this one's work
                self._show_error(exc, action)

    # errors --------------------------------------------------------------------------------------
    def _show_error(
        self, exc: BaseException, action: str, target: widgets.HTML | None = None
    ) -> str:
        """Show ``exc`` in plain words (in ``target``, else the message line) and log it."""
        return show_error(self._message if target is None else target, exc, action)

    def status(self) -> str:
        """The screen's message line as plain text ('' when it says nothing)."""
        return _plain(self._message.value)

    def errors(self) -> list[str]:
        """Error messages on this screen right now (empty when all is well)."""
        return shown_errors(self)
