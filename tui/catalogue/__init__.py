"""The archive's metadata, read-only: typed records, and every SQL statement longtail runs on it
(queries.py), with search, shuffle, tiers and lists by position. No Textual, no mirror."""
