"""Playback: the queue policy (player.py) and the Engine protocol it drives, with libmpv as one
engine (mpv_engine.py). No Textual; never imports the mirror."""
