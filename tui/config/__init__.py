"""The one place for configuration and paths: the config file and its schema (`settings`,
`schema`), peer addresses (`peers`) and where everything longtail writes lives (`paths`)."""

from tui.config.paths import APP_NAME, StatePaths, config_file_path, data_root, default_state_dir
from tui.config.peers import PeerAddress, parse_peer
from tui.config.settings import Settings, config_problems

__all__ = ["APP_NAME", "PeerAddress", "Settings", "StatePaths", "config_file_path", "config_problems", "data_root",
           "default_state_dir", "parse_peer"]
