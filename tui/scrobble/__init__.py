"""Scrobbling: listens to ListenBrainz and Last.fm, by the rules they publish, never lost.

    core events -> ListenRules (what counts as a listen) -> ScrobbleQueue (SQLite, the
    state directory) -> Sender (its own thread; backoff, one word per wrong token) -> services

The scrobbler is one more subscriber of the core's events, so it works the same under the
TUI, `play --no-ui` and `serve`. Every listen is written to the queue before it is sent,
and marked sent only after the service said so: a kill -9 loses none; one killed between
the service's answer and the mark is sent again, and both services drop a listen they
already have (same track, same `listened_at`).
"""
