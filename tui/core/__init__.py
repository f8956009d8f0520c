"""The session core: owns the services, the player, fetching, checks and index builds,
and publishes one stream of frozen events. The TUI, the CLI and MPRIS are its faces.
No Textual here."""
