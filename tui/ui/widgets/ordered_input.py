"""An Input whose editing keys keep their place among the characters typed.

Textual's Input inserts printable characters in its own key handler but leaves Backspace,
Ctrl+U, the arrows and its other bindings to the app, which runs them from another queue:
in a burst (a paste-like burst of keys, a busy machine), `C-u sigxyz ⌫⌫⌫ ur ros` arriving in
one read left the query empty or `yzur` (Textual issue 6605; the fix proposed upstream in
PR 6631 does the same as this). Here the widget's own non-priority bindings run inline, in
the order the keys came; priority bindings were checked before the key reached the widget.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class OrderedInput(Input):
    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable:
            for binding in self._bindings.key_to_bindings.get(event.key, ()):
                if not binding.priority and await self.app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()
                    self._restart_blink()
                    return
        await super()._on_key(event)
