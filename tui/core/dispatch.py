"""What each command does to the player: the one place a typed command becomes player calls.
Runs on the session's own thread (the player's owner); `feeder` is the stream feeder there."""

from __future__ import annotations

from tui.core.commands import (
    ChangeVolume,
    Clear,
    Command,
    CycleRepeat,
    CycleReplayGain,
    Enqueue,
    Move,
    Next,
    Play,
    PlayIndex,
    PlayStream,
    Previous,
    Remove,
    Restore,
    Save,
    Seek,
    SetMuted,
    SetPaused,
    SetRepeat,
    SetReplayGain,
    SetVolume,
    Stop,
    ToggleMute,
    TogglePause,
    Undo,
)
from tui.core.streams import STREAM_BATCH, StreamFeeder
from tui.player.player import Player


def apply(command: Command, player: Player, feeder: StreamFeeder) -> None:
    match command:
        case Play(track_ids, start):
            feeder.attach(None)
            player.play(list(track_ids), start)
        case PlayStream(stream, index):
            tracks = stream.start_at(index, STREAM_BATCH)
            if tracks:
                feeder.attach(stream)
                player.play([t.id for t in tracks], checked=False)  # the stream's rows, one for one
        case Enqueue(track_ids, next_up):
            (player.insert_next if next_up else player.enqueue)(list(track_ids))
        case Remove(index):
            player.remove(index)
        case Move(src, dst):
            player.move(src, dst)
        case Clear():
            feeder.attach(None)
            player.clear()
        case Undo():
            player.undo()
        case PlayIndex(index):
            player.play_index(index)
        case Next():
            player.next()
        case Previous():
            player.previous()
        case TogglePause():
            player.toggle_pause()
        case SetPaused(paused):
            player.set_paused(paused)
        case Stop():
            player.stop()
        case Seek(seconds, relative):
            player.seek(seconds, relative)
        case SetVolume(volume):
            player.set_volume(volume)
        case ChangeVolume(delta):
            player.change_volume(delta)
        case ToggleMute():
            player.toggle_mute()
        case SetMuted(muted):
            player.set_muted(muted)
        case CycleRepeat():
            player.cycle_repeat()
        case SetRepeat(mode):
            player.set_repeat(mode)
        case CycleReplayGain():
            player.cycle_replaygain()
        case SetReplayGain(mode):
            player.set_replaygain(mode)
        case Restore():
            player.restore()
        case Save():
            player.save()
