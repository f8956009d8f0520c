"""The bottom line: the keys in force, drawn as Textual's Footer draws them. One widget that
repaints when the keys change: the Footer is a widget per key, all rebuilt at every change of
focus and on each screen's first frames (two thirds of a Tab's work, bench/RESULTS.md). A key is
clicked as a key press, and hovering one shows its tooltip."""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.widget import Widget

PALETTE_EDGE = "▏"  # the Footer's `border-left: vkey` before the command palette's key


class Key(NamedTuple):
    key: str
    display: str
    description: str
    enabled: bool
    tooltip: str


class KeyBar(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--item", "key-bar--hover",
                         "key-bar--edge"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .key-bar--item {
            background: $footer-item-background;
        }
        .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .key-bar--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        .key-bar--edge {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, Key]] = []  # (start, end, key) of what the last line drew
        self._hover: Key | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _screen: self.refresh())

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def keys(self) -> tuple[list[Key], Key | None]:
        """What the Footer would show: the first shown binding of each action, in order, and the
        command palette's key apart (drawn at the right)."""
        app = self.app
        active = self.screen.active_bindings
        seen: set[str] = set()
        keys = []
        for _node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                keys.append(Key(binding.key, app.get_key_display(binding), binding.description, enabled, tooltip))
        palette = None
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, tooltip = active[app.COMMAND_PALETTE_BINDING]
            palette = Key(binding.key, app.get_key_display(binding), binding.description, enabled,
                          binding.tooltip or binding.description)
        return keys, palette

    def _item(self, key: Key, palette: bool = False) -> Text:
        """The key and its description as the Footer's two parts, over the item's background
        (hovered or not). The palette's key is drawn as the Footer docks it: its left border
        over the key's first cell, the description after the key's last."""
        item = self.get_component_rich_style("key-bar--hover" if key == self._hover else "key-bar--item")
        dim = Style(dim=True) if not key.enabled else Style()
        key_style, description_style = (self.get_component_rich_style(name, partial=True) + dim
                                        for name in ("key-bar--key", "key-bar--description"))
        if palette:
            edge = Style(color=self.get_component_rich_style("key-bar--edge").color)  # blended: 20%
            text = Text.assemble((PALETTE_EDGE, edge), (key.display, key_style),
                                 (f" {key.description}", description_style), " ")
        else:
            text = Text.assemble((f" {key.display} ", key_style),
                                 (f"{key.description} " if key.description else "", description_style))
        text.stylize_before(item)
        return text

    def render(self) -> Text:
        width = self.size.width
        keys, palette = self.keys()
        right = self._item(palette, palette=True) if palette is not None else Text()
        room = max(0, width - right.cell_len)
        line, spans = Text(no_wrap=True, overflow="crop"), []
        for key in keys:
            if line.cell_len >= room:
                break
            item = self._item(key)
            spans.append((line.cell_len, min(room, line.cell_len + item.cell_len), key))
            line.append_text(item)
        line.truncate(room)  # as the Footer: the last key may be cut by the palette's
        line.append(" " * (room - line.cell_len))
        if palette is not None:
            spans.append((room, width, palette))
            line.append_text(right)
        self._spans = spans
        return line

    def key_at(self, x: int) -> Key | None:
        return next((key for start, end, key in self._spans if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        key = self.key_at(event.x)
        if key != self._hover:
            self._hover = key
            self.tooltip = (key.tooltip or key.description) if key is not None else None
            self.refresh()

    def on_leave(self, _event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self.key_at(event.x)
        if key is None:
            return
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()
