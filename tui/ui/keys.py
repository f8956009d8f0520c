"""The config's `[keymap]` checked against the app's own bindings before the TUI starts:
an id that no binding has, a key Textual cannot name, and a key that another binding on
the same screen already answers to are each one line, naming the file and the key.
Without this, Textual ignores the first two and the third silently shadows a binding.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.keys import REPLACED_KEYS, Keys, _character_to_key, key_to_character

from tui.config.schema import ConfigFile, shown_key
from tui.ui.keymaps import keymap_in_force

MODIFIERS = {"ctrl", "shift", "alt", "meta", "super", "hyper"}
_NAMED = {k.value.rpartition("+")[2] for k in Keys if not k.value.startswith("<")}


def key_problem(key: str) -> str | None:
    """Why Textual would never match `key`, or None."""
    *mods, base = key.strip().split("+")
    if not base:
        return "is empty" if not mods else "ends with '+'"
    unknown = [m for m in mods if m not in MODIFIERS]
    if unknown:
        return f"{unknown[0]!r} is not a modifier (ctrl, shift, alt, meta, super, hyper)"
    if (len(base) == 1 and base.isprintable()) or base in _NAMED or key_to_character(base) \
            or key_to_character(REPLACED_KEYS.get(base, base)):
        return None
    return f"{base!r} is not a key name (examples: n, ctrl+f, f5, space, question_mark, pageup)"


# Textual's own list bindings that pass the key on (SkipAction) when the list cannot scroll that
# way: a longtail list never scrolls sideways, so left and right are free for the screen.
YIELDING = {"scroll_left", "scroll_right", "page_left", "page_right"}


def _normal(key: str) -> str:
    key = key.strip()
    return _character_to_key(key) if len(key) == 1 else key


def _screen_classes() -> list[type]:
    """Every screen the TUI has: each module of `tui.ui.screens`, imported (no list to keep)."""
    import importlib
    import pkgutil

    from textual.screen import Screen

    import tui.ui.screens as package

    found: list[type] = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        found += [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, Screen)
                  and v.__module__ == module.__name__ and v.__dict__.get("BINDINGS") is not None]
    return found


def bindings_of(cls: type) -> list[Binding]:
    """A class's bindings and its bases' (Textual merges them so)."""
    return [b for klass in cls.__mro__ for b in klass.__dict__.get("BINDINGS", []) if isinstance(b, Binding)]


def _scopes() -> dict[str, list[Binding]]:
    """Each screen's bindings as one keypress sees them: the list's, the screen's, and the
    app's unless the screen is modal (Textual stops there; modals take what they need)."""
    from textual.screen import ModalScreen

    from tui.ui.app import LongtailApp
    from tui.ui.widgets.virtual_list import VirtualList

    app = bindings_of(LongtailApp)
    lists = [b for b in bindings_of(VirtualList) if b.action not in YIELDING]
    return {cls.__name__: lists + bindings_of(cls) + ([] if issubclass(cls, ModalScreen) else app)
            for cls in _screen_classes()}


def keymap_problems(keymap: dict[str, str]) -> list[str]:
    """Every problem of a keymap, as "keymap.ID: what is wrong" lines."""
    scopes = _scopes()
    known = {b.id for scope in scopes.values() for b in scope if b.id}
    found: list[str] = []
    usable: dict[str, str] = {}  # judged for collisions too, whatever else is wrong
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            found.append(f"keymap.{shown_key(binding_id)}: no binding has this id (`?` in the TUI lists them)")
            continue
        good = []
        for key in keys.split(","):
            if why := key_problem(key):
                found.append(f"keymap.{binding_id}: {key.strip()!r}: {why}")
            else:
                good.append(key)
        if good:
            usable[binding_id] = ",".join(good)
    return found + _collisions(scopes, usable)


def _collisions(scopes: dict[str, list[Binding]], keymap: dict[str, str]) -> list[str]:
    found: list[str] = []
    seen: set[tuple[str, str]] = set()
    for screen, scope in scopes.items():
        owners: dict[str, str] = {}
        built_in: dict[str, set[str]] = {}  # who shares a key by design (a screen's close and `?`)
        for binding in scope:
            name = binding.id or f"Textual's {binding.action}"  # built-ins without an id still own keys
            for key in binding.key.split(","):
                built_in.setdefault(_normal(key), set()).add(name)
        for binding in scope:
            name = binding.id or f"Textual's {binding.action}"
            keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
            for key in keys.split(","):
                other = owners.setdefault(_normal(key), name)
                if {other, name} <= built_in.get(_normal(key), set()):
                    continue
                if other != name and (name in keymap or other in keymap) and (other, name) not in seen:
                    seen.add((other, name))
                    mine, theirs = (name, other) if name in keymap else (other, name)
                    fix = "pick another key" if theirs.startswith("Textual") else \
                        f"rebind {theirs} too, or pick another key"
                    found.append(f"keymap.{mine}: {key.strip()!r} is already the key of {theirs} on {screen} ({fix})")
    return found


def tui_config_problems(config: ConfigFile) -> list[str]:
    """What only the TUI can judge in the config: its keymap (over its preset) and its theme."""
    from tui.ui.themes import theme_names

    keymap = keymap_in_force(config.keymap_preset, config.keymap)
    found = keymap_problems(keymap) if keymap else []
    if config.theme and config.theme not in (names := theme_names()):
        found.append(f"theme: {config.theme!r} is not one of {', '.join(sorted(names))}")
    return found


def check_tui_config(config: ConfigFile, source: object) -> None:
    """Raise the problems as one line (before anything is built or drawn)."""
    from tui.errors import UsageError

    found = tui_config_problems(config)
    if found:
        more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
        raise UsageError(f"config file {source or '(settings)'}: " + "; ".join(found[:3]) + more,
                         "fix it (`longtail config` lists every problem)" if more else "fix it")
