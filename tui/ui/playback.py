"""The player's keys and what they send: one binding each, declared once, every one a typed
command on the session's ordered channel (the player says what it did, as events)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding

from tui.core import commands as cmd
from tui.ui.navigation import aimed_at_app

if TYPE_CHECKING:
    from tui.core.session import Session

PLAYER_BINDINGS = [
    Binding("space", "toggle_pause", "Pause", id="player.pause", tooltip="Pause or play on"),
    Binding("v", "stop", "Stop", show=False, id="player.stop", tooltip="Stop; the queue keeps its place"),
    Binding("n", "next", "Next", show=False, id="player.next", tooltip="The next track in the queue"),
    Binding("p", "previous", "Previous", show=False, id="player.previous", tooltip="The previous track in the queue"),
    Binding("right_square_bracket", "seek(5)", "+5 s", show=False, id="player.seek_forward",
            tooltip="Seek 5 s forward"),
    Binding("left_square_bracket", "seek(-5)", "-5 s", show=False, id="player.seek_back", tooltip="Seek 5 s back"),
    Binding("right_curly_bracket", "seek(30)", "+30 s", show=False, id="player.seek_far_forward",
            tooltip="Seek 30 s forward"),
    Binding("left_curly_bracket", "seek(-30)", "-30 s", show=False, id="player.seek_far_back",
            tooltip="Seek 30 s back"),
    Binding("plus,equals_sign", "volume(5)", "Vol +", show=False, id="player.volume_up", tooltip="Volume up 5"),
    Binding("minus", "volume(-5)", "Vol -", show=False, id="player.volume_down", tooltip="Volume down 5"),
    Binding("m", "mute", "Mute", show=False, id="player.mute", tooltip="Mute or unmute"),
    Binding("r", "repeat", "Repeat", show=False, id="player.repeat", tooltip="Repeat: off, the queue, the track"),
    Binding("R", "replaygain", "ReplayGain", show=False, id="player.replaygain",
            tooltip="ReplayGain: track, album, off"),
    Binding("u", "undo", "Undo queue change", show=False, id="player.undo",
            tooltip="Undo the last change of the queue (up to 50)"),
]
# A modal screen hides the app's bindings (Textual stops the chain at it): one that plays on
# (lyrics) takes the same bindings, ids and keys, aimed at the app.
PLAYER_BINDINGS_IN_MODALS = aimed_at_app([b for b in PLAYER_BINDINGS if b.id != "player.undo"])


class PlaybackActions:
    """Mixed into the app: every screen's player keys land here."""

    session: Session

    def play_tracks(self, track_ids: list[str], start: int = 0) -> None:
        self.session.send(cmd.Play(tuple(track_ids), start))

    def enqueue_tracks(self, track_ids: list[str], next_up: bool = False) -> None:
        self.session.send(cmd.Enqueue(tuple(track_ids), next_up))  # the player says what it did (QueueEdited)

    def action_toggle_pause(self) -> None:
        self.session.send(cmd.TogglePause())

    def action_stop(self) -> None:
        self.session.send(cmd.Stop())  # the queue keeps its place: play goes on from it

    def action_next(self) -> None:
        self.session.send(cmd.Next())

    def action_previous(self) -> None:
        self.session.send(cmd.Previous())

    def action_seek(self, seconds: float) -> None:
        self.session.send(cmd.Seek(float(seconds)))

    def action_volume(self, delta: float) -> None:
        self.session.send(cmd.ChangeVolume(float(delta)))

    def action_mute(self) -> None:
        self.session.send(cmd.ToggleMute())

    def action_repeat(self) -> None:
        self.session.send(cmd.CycleRepeat())

    def action_replaygain(self) -> None:
        self.session.send(cmd.CycleReplayGain())

    def action_undo(self) -> None:
        self.session.send(cmd.Undo())
