"""The TUI: a Textual face of the session core."""
