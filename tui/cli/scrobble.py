"""`longtail scrobble`: the queue of listens, and logging in to Last.fm."""

from __future__ import annotations

import time

import click

from tui.cli.main import Context, common_options, friendly_errors, main
from tui.cli.output import emit_json
from tui.core import scrobbling


@main.group()
def scrobble() -> None:
    """Listens sent to ListenBrainz and Last.fm ([scrobble] in the config)."""


@scrobble.command("status")
@common_options
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def status(obj: Context, as_json: bool) -> None:
    """What is queued, sent and refused, per service, and the last error."""
    found = scrobbling.queue_status(obj.settings, obj.location().state)
    if as_json:
        emit_json(found)
        return
    for name, doc in found.items():
        if not doc["configured"]:
            click.echo(f"{name}: not configured (see [scrobble.{name}] in `longtail config --example`)")
            continue
        if name == "lastfm" and not doc["logged_in"]:
            click.echo(f"{name}: not logged in (run `longtail scrobble login lastfm`)")
        line = f"{name}: {doc['queued']:,} queued, {doc['sent']:,} sent, {doc['rejected']:,} refused"
        if doc["queued"] and doc["oldest_queued"]:
            line += f"; oldest from {time.strftime('%Y-%m-%d %H:%M', time.localtime(doc['oldest_queued']))}"
        click.echo(line)
        if doc["last_error"] and doc["queued"]:
            click.echo(f"  last error: {doc['last_error']}")


@scrobble.command("login")
@common_options
@click.argument("service", type=click.Choice(["lastfm"]))
@click.pass_obj
@friendly_errors
def login(obj: Context, service: str) -> None:
    """Allow longtail to scrobble to your Last.fm account (ListenBrainz needs only its token)."""
    settings, state = obj.settings, obj.location().state
    token = scrobbling.lastfm_token(settings)
    click.echo(f"Open this address, allow longtail, then press Enter here:\n  "
               f"{scrobbling.lastfm_auth_url(settings, token)}", err=True)
    click.prompt("", default="", show_default=False, prompt_suffix="", err=True)
    name = scrobbling.lastfm_session(settings, state, token)
    click.echo(f"logged in to Last.fm as {name}; scrobbles go there from now on", err=True)
