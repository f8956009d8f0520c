"""The archive's playlists from the command line: search them, open one."""

from __future__ import annotations

import click

from tui.cli.jsonout import playlist_hit_json, playlist_json
from tui.cli.main import Context, common_options, friendly_errors, main
from tui.cli.output import emit_json
from tui.core.session import Session
from tui.errors import LongtailError, UsageError, quoted

KIND_MARKS = {"track": " ", "episode": "E", "local": "L", "missing": "?"}


def _require_playlists(session: Session) -> None:
    if not session.library.playlists_available:
        raise LongtailError("this mirror has no playlists database (spotify_clean_playlists.sqlite3)",
                            "download it with the metadata torrent, then unpack it into the mirror")


@main.command()
@common_options
@click.argument("query", default="")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def playlists(obj: Context, query: str, limit: int, as_json: bool) -> None:
    """Search playlists by name (whole name, then its start, then its words; then followers).
    With no QUERY: the most-followed playlists."""
    session = obj.session()
    try:
        _require_playlists(session)
        hits = session.library.playlist_search(query, limit)
        complete = session.library.playlist_index_status()["complete"]
    finally:
        session.close()
    if not complete and query.strip():
        click.echo("note: the playlist index is not complete (run `longtail index`); "
                   "names are matched from their start only until it is", err=True)
    if as_json:
        emit_json({"query": query, "results": [playlist_hit_json(h) for h in hits]})
        return
    for h in hits:
        click.echo(f"{h.id}  {h.followers:>9,} followers  {h.tracks_total:>5} tracks  {h.name}")


@main.command()
@common_options
@click.argument("playlist_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def playlist(obj: Context, playlist_id: str, as_json: bool) -> None:
    """One playlist: its entries in position order (tracks, episodes, local files, missing)."""
    session = obj.session()
    try:
        _require_playlists(session)
        view = session.library.playlist(playlist_id)
    finally:
        session.close()
    if view is None:
        raise UsageError(f"no playlist with id {quoted(playlist_id)}", "find one with `longtail playlists QUERY`")
    if as_json:
        emit_json(playlist_json(view))
        return
    hit = view.playlist.hit
    click.echo(f"{hit.name} · {hit.owner or '—'} · {hit.followers:,} followers · {hit.tracks_total} tracks")
    for e in view.playlist.entries:
        if e.track is not None:
            what = f"{e.track.name} — {', '.join(e.track.artist_names)}  [{view.files.get(e.track.id, 'absent')}]"
            click.echo(f"{e.position + 1:>5} {KIND_MARKS[e.kind]} {e.track.id}  {what}")
        else:
            click.echo(f"{e.position + 1:>5} {KIND_MARKS[e.kind]} ({e.kind}) {e.name or ''}")
