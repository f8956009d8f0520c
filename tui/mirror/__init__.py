"""The mirror's files: discovery, .torrent parsing, the file index, fetching pieces from the swarm,
integrity checks and the loopback seeder. No Textual; never imports the player."""
