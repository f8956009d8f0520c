"""Reading the catalogue from the command line: search, shuffle, tiers, info."""

from __future__ import annotations

import math
from pathlib import Path

import click

from tui.cli.jsonout import details_json
from tui.cli.main import Context, common_options, friendly_errors, main
from tui.cli.output import RateBar, emit_json, print_details, print_tracks, track_docs
from tui.cli.params import SEED, TRACK_ID, path_option
from tui.core.session import Session
from tui.core.types import Track
from tui.errors import LongtailError, UsageError
from tui.files import write_output


def known_track(session: Session, track_id: str) -> Track:
    """The catalogue's track, or the one-line error `info`, `radio` and `art` share."""
    session.library.require_tracks([track_id])
    track = session.library.track(track_id)
    assert track is not None  # require_tracks raised otherwise
    return track


@main.command()
@common_options
@click.argument("query")
@click.option("--kind", type=click.Choice(["track", "artist", "album"]), default="track", show_default=True)
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def search(obj: Context, query: str, kind: str, limit: int, as_json: bool) -> None:
    """Search tracks, artists or albums (accent-insensitive, word prefixes)."""
    session = obj.session()
    try:
        results, items = session.library.search(query, (kind,), limit)  # type: ignore[arg-type]
    finally:
        session.close()
    if results.note:
        click.echo(f"note: {results.note}", err=True)
    if kind == "track":
        docs = track_docs(items)
    else:
        docs = [{"id": h.id, "name": h.name, "popularity": h.popularity}
                for h in (results.artists if kind == "artist" else results.albums)]
    if as_json:
        emit_json({"query": query, "kind": kind, "results": docs})
    elif kind == "track":
        print_tracks(items)
    else:
        for d in docs:
            click.echo(f"{d['id']}  {d['popularity']:>3}  {d['name']}")


@main.command()
@common_options
@click.option("-n", "count", type=click.IntRange(1, 100_000), default=20, show_default=True,
              help="How many tracks (up to 100,000; the TUI streams a shuffle without end).")
@click.option("--seed", type=SEED, default=None, help="Reproduce a shuffle (printed with --json).")
@click.option("--tier", type=click.Choice(["vorbis", "opus"]))
@click.option("--min-popularity", type=click.IntRange(0, 100))
@click.option("--max-popularity", type=click.IntRange(0, 100))
@click.option("--playable", is_flag=True, help="Only tracks that are local or fetchable.")
@click.option("--genre", default=None, help="Only tracks by artists with this genre.")
@click.option("--year", type=click.IntRange(0, 9999), default=None, help="Only tracks released in this year.")
@click.option("--tempo", metavar="LOW..HIGH", help="BPM, e.g. 120..128.")
@click.option("--key", "key_name", metavar="KEY", help="Camelot (8A, 11B) or a name (C, F#, Bb, Am).")
@click.option("--mode", type=click.Choice(["major", "minor"]))
@click.option("--energy", metavar="LOW..HIGH", help="0..1, e.g. 0.6..1 (also the four below).")
@click.option("--danceability", metavar="LOW..HIGH")
@click.option("--valence", metavar="LOW..HIGH")
@click.option("--acousticness", metavar="LOW..HIGH")
@click.option("--instrumentalness", metavar="LOW..HIGH")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def shuffle(obj: Context, count: int, seed: int | None, tier: str | None, min_popularity: int | None,
            max_popularity: int | None, playable: bool, genre: str | None, year: int | None,
            tempo: str | None, key_name: str | None, mode: str | None, as_json: bool, **units: str | None) -> None:
    """A true shuffle: uniform over the catalogue (or the filtered part), no repeats.

    Audio-feature filters (tempo, key, mode, energy, ...) combine with the others and
    never match a track the API returned no features for."""
    from tui.core.types import ShuffleFilter, feature_filter

    try:
        features = feature_filter(tempo, key_name, mode, **units)
    except ValueError as exc:
        raise UsageError(str(exc), "see `longtail shuffle --help`") from None
    session = obj.session()
    try:
        flt = ShuffleFilter(tier, min_popularity, max_popularity, playable, genre, year, features=features)
        sh = session.library.shuffle(flt, seed)
        items = session.library.items(sh.take(count))
    finally:
        session.close()
    if not items:
        raise LongtailError(f"no track matches: {flt.describe()}", "widen the filter")
    if as_json:
        emit_json({"seed": sh.seed, "filter": flt.describe(), "tracks": track_docs(items)})
    else:
        click.echo(f"seed {sh.seed}; {flt.describe()}", err=True)
        print_tracks(items)


@main.command()
@common_options
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def tiers(obj: Context, as_json: bool) -> None:
    """The popularity histogram and, per tier, how much is archived, local, fetchable, absent."""
    from tui.core.types import TIER_LABELS

    session = obj.session()
    try:
        bar = RateBar("counting", "rows")
        coverage = session.library.tier_coverage(lambda _l, d, t: bar.update(d, t))
        bar.close()
        histogram = session.library.tier_histogram()
    finally:
        session.close()
    if as_json:
        emit_json({"histogram": {str(k): histogram.get(k, 0) for k in range(0, 101)},
                   "tiers": {k: v.as_json() for k, v in coverage.items()}})
        return
    total = sum(histogram.values()) or 1
    for name, tier in coverage.items():
        archived = "n/a" if tier.archived is None else f"{tier.archived:,}"
        click.echo(f"{name:<7} {TIER_LABELS[name]}")
        click.echo(f"        {tier.tracks:,} tracks ({tier.tracks / total:.1%}); archived {archived}; "
                   f"local {tier.local:,}; damaged {tier.damaged:,}; fetchable {tier.fetchable:,}; "
                   f"absent {tier.absent:,}")
    peak = max(histogram.values()) or 1
    click.echo("popularity histogram (log scale)")
    for level in range(0, 101, 5):
        n = sum(histogram.get(k, 0) for k in range(level, min(level + 5, 101)))
        width = int(40 * math.log10(n + 1) / math.log10(peak + 1)) if n else 0
        click.echo(f"  {level:>3}-{min(level + 4, 100):<3} {'█' * width} {n:,}")


@main.command()
@common_options
@click.argument("track_id", type=TRACK_ID)
@click.option("--json", "as_json", is_flag=True, help="Write the track as JSON to stdout.")
@click.pass_obj
@friendly_errors
def info(obj: Context, track_id: str, as_json: bool) -> None:
    """Everything known about one track: credits, features, ledger, file."""
    session = obj.session()
    try:
        track = known_track(session, track_id)
        doc = details_json(session.library.details(track))
    finally:
        session.close()
    if as_json:
        emit_json(doc)
        return
    print_details(doc)


@main.command()
@common_options
@click.argument("track_id", type=TRACK_ID)
@click.option("-n", "count", type=click.IntRange(1, 10_000), default=20, show_default=True, help="How many tracks.")
@click.option("--playable", is_flag=True, help="Only tracks that are local or fetchable.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def radio(obj: Context, track_id: str, count: int, playable: bool, as_json: bool) -> None:
    """Tracks near TRACK_ID in audio-feature space: tempo (half/double-time aware), compatible
    keys, energy, danceability, valence, acousticness, instrumentalness; never the seed, one
    track per ISRC, a few per artist. Builds its sidecar in the state directory the first time."""
    session = obj.session()
    try:
        seed = known_track(session, track_id)
        bar = RateBar("  radio index", "rows")
        try:
            stations = session.library.radio(seed, playable, lambda _l, done, total: bar.update(done, total))
        finally:
            bar.close()
        items = session.library.items(stations.take(count))
    finally:
        session.close()
    if as_json:
        emit_json({"seed": track_id, "tracks": track_docs(items)})
    else:
        print_tracks(items)


@main.command()
@common_options
@click.argument("track_id", type=TRACK_ID)
@path_option("--out", "out", required=True,
             help="Where to write the cover (a file is replaced; a device or FIFO is written into).")
@click.pass_obj
@friendly_errors
def art(obj: Context, track_id: str, out: Path) -> None:
    """Write the cover of TRACK_ID's album: the picture embedded in a local file of the album,
    else the archive's cover-art tar's (when the mirror has it and `longtail index` read it)."""
    session = obj.session()
    try:
        track = known_track(session, track_id)
        cover = session.library.cover(track)
        has_tar, tar_indexed = session.library.coverart_state()
    finally:
        session.close()
    if cover is None:
        name = track.album.name or track.album.id
        if has_tar and not tar_indexed:
            raise LongtailError(f"no cover for {name}: no file of the album is local and the cover-art tar "
                                "is not indexed", "run `longtail index`")
        where = "no file of the album is local" + (" and the cover-art tar has none for it" if has_tar else "")
        raise LongtailError(f"no cover for {name}: {where}", f"fetch one first (`longtail fetch {track_id}`)")
    data = cover.read_bytes()
    write_output(out, data)
    click.echo(f"{out} ({cover.suffix[1:]}, {len(data):,} bytes)", err=True)
