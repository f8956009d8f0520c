"""The demo mirror: the archive's DDL, a catalogue generator, an audio composer and the builder."""
