"""A typed box that keeps what is being typed while the page re-renders.

A playing run re-renders the workshop several times a second and the classroom console's countdown
every second. Solara's own `InputInt`/`InputText` (without continuous updates) are then set back to
their `value` at each render, so a trainer typing "30" into a box lost it before pressing Enter.
Here the typed text is the box's own state, handed over on Enter or on leaving the box.
"""

from __future__ import annotations

from collections.abc import Callable

import reacton.ipyvuetify as rv
import solara

#: the browser events that hand the typed text over, as Solara's own boxes do
COMMIT_EVENTS = ("focusout", "keyup.enter")


def whole_number(text: str) -> int | None:
    """A box's text as a whole number >= 0 ("12", " 7 "); None for anything else ("-4", "2.5", "²")."""
    text = str(text).strip()
    return int(text) if text.isdecimal() else None


@solara.component
def HeldInput(label: str, value: str, on_commit: Callable[[str], None], classes: list[str] | None = None,
              style: dict | None = None, error: bool = False):
    """A text box showing `value` until someone types; `on_commit` gets the text on Enter or when
    the box loses focus. A new `value` from outside (the commit taken, another control) is shown."""
    text, set_text = solara.use_state(value)
    solara.use_effect(lambda: set_text(value), [value])
    field = rv.TextField(v_model=text, on_v_model=set_text, label=label, hide_details="auto", error=error,
                        class_=" ".join(classes or []), style_=";".join(f"{k}:{x}" for k, x in (style or {}).items()))
    commit = solara.use_ref(on_commit)
    commit.current = on_commit

    def listen():
        widget = solara.get_widget(field)

        def handed_over(widget, event, data):
            commit.current(str(widget.v_model or ""))

        for event in COMMIT_EVENTS:
            widget.on_event(event, handed_over)
        return lambda: [widget.on_event(event, handed_over, remove=True) for event in COMMIT_EVENTS]

    solara.use_effect(listen, [])
    return field


__all__ = ["HeldInput", "whole_number"]
