"""The loopback stand-ins for ListenBrainz and Last.fm are the demo's own scrobble sink
(`longtail demo --scrobble-sink`): the tests send to the servers a listener sees."""

from tui.demo.scrobble_sink import (
                                    LISTEN_MINIMUM_TS,
                                    LastfmServer,
                                    ListenBrainzServer,
                                    ScrobbleSink,
                                    lastfm_signature,
                                    submit_problem,
)

__all__ = ["LISTEN_MINIMUM_TS", "LastfmServer", "ListenBrainzServer", "ScrobbleSink", "lastfm_signature",
           "submit_problem"]
