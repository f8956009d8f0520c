"""`longtail lyrics ID`: a track's lyrics, synced where they are."""

from __future__ import annotations

import sys

import click

from tui.cli.main import Context, common_options, friendly_errors, main
from tui.cli.output import emit_json
from tui.cli.params import TRACK_ID
from tui.core.types import clock


@main.command()
@common_options
@click.argument("track_id", type=TRACK_ID)
@click.option("--json", "as_json", is_flag=True,
              help='{"id", "source", "instrumental", "synced": [{"t", "line"}], "plain"}')
@click.pass_obj
@friendly_errors
def lyrics(obj: Context, track_id: str, as_json: bool) -> None:
    """Print TRACK_ID's lyrics: from the file's tags, an .lrc beside it, or the mirror's LRCLIB
    dump (exit 1 when there are none)."""
    session = obj.session(refresh_files=False)
    try:
        found = session.lyrics.lyrics(track_id)
    finally:
        session.close()
    if as_json:
        emit_json(found.as_json(track_id))
    elif found.instrumental:
        click.echo("(instrumental)")
    elif found.synced:
        for t, line in found.synced:
            click.echo(f"[{clock(t)}] {line}")
    elif found.plain:
        click.echo(found.plain)
    if found.source == "none":
        click.echo(f"no lyrics for {track_id}: none in its file, no .lrc beside it, and "
                   + ("the LRCLIB dump has none" if session.lyrics.dump_path else "no LRCLIB dump in the mirror "
                      "(lrclib-db-dump-*.sqlite3)"), err=True)
        sys.exit(1)
