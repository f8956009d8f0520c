"""The archive's own DDL (Anna's Archive "Backing up Spotify", 2025-12-20).

The demo mirror, the test fixtures and the bench catalogues are all built from this,
so that every reader of longtail is exercised against the real table, column and
index names. Two variants of `tracks` circulate: the blog's (with
`external_id_ean`/`external_id_upc`) and the one third parties read from the real
file (without); `tracks_ddl(with_ean_upc=...)` builds either.
"""

from __future__ import annotations

MAIN_TABLES = """
CREATE TABLE artists (
  `rowid` integer PRIMARY KEY NOT NULL,
  `id` text NOT NULL,
  `fetched_at` integer NOT NULL,
  `name` text NOT NULL,
  `followers_total` integer NOT NULL,
  `popularity` integer NOT NULL
);
CREATE TABLE artist_genres (
  `artist_rowid` integer NOT NULL REFERENCES artists(rowid),
  `genre` text NOT NULL
);
CREATE TABLE artist_images (
  `artist_rowid` integer NOT NULL REFERENCES artists(rowid),
  `width` integer NOT NULL,
  `height` integer NOT NULL,
  `url` text NOT NULL
);
CREATE TABLE artist_albums (
  `artist_rowid` integer NOT NULL REFERENCES artists(rowid),
  `album_rowid` integer NOT NULL REFERENCES albums(rowid),
  `is_appears_on` integer NOT NULL,
  `is_implicit_appears_on` integer NOT NULL,
  `index_in_album` integer
);
CREATE TABLE available_markets (
  `rowid` integer PRIMARY KEY NOT NULL,
  `available_markets` text NOT NULL
);
CREATE TABLE albums (
  `rowid` integer PRIMARY KEY NOT NULL,
  `id` text NOT NULL,
  `fetched_at` integer NOT NULL,
  `name` text NOT NULL,
  `album_type` text NOT NULL,
  `available_markets_rowid` integer NOT NULL REFERENCES available_markets(rowid),
  `external_id_upc` text,
  "external_id_amgid" text,
  `copyright_c` text,
  `copyright_p` text,
  `label` text NOT NULL,
  `popularity` integer NOT NULL,
  `release_date` text NOT NULL,
  `release_date_precision` text NOT NULL,
  `total_tracks` integer NOT NULL
);
CREATE TABLE album_images (
  `album_rowid` integer NOT NULL REFERENCES albums(rowid),
  `width` integer NOT NULL,
  `height` integer NOT NULL,
  `url` text NOT NULL
);
CREATE TABLE track_artists (
  `track_rowid` integer NOT NULL REFERENCES tracks(rowid),
  `artist_rowid` integer NOT NULL REFERENCES artists(rowid)
);
"""


def tracks_ddl(with_ean_upc: bool = True) -> str:
    extra = (
        "  `external_id_ean` text,\n  `external_id_upc` text,\n" if with_ean_upc else ""
    )
    return f"""
CREATE TABLE tracks (
  `rowid` integer PRIMARY KEY NOT NULL,
  `id` text NOT NULL,
  `fetched_at` integer NOT NULL,
  `name` text NOT NULL,
  `preview_url` text,
  `album_rowid` integer NOT NULL REFERENCES albums(rowid),
  `track_number` integer NOT NULL,
  `external_id_isrc` text,
{extra}  `popularity` integer NOT NULL,
  `available_markets_rowid` integer NOT NULL REFERENCES available_markets(rowid),
  `disc_number` integer NOT NULL,
  `duration_ms` integer NOT NULL,
  `explicit` integer NOT NULL
);
"""


# Created after the bulk load, as the archive's build presumably did: far faster.
MAIN_INDEXES = """
CREATE INDEX artist_genres_artist_id ON artist_genres(artist_rowid);
CREATE INDEX artist_genres_genre ON artist_genres(genre);
CREATE INDEX artist_images_artist_id ON artist_images(artist_rowid);
CREATE UNIQUE INDEX artists_id_unique ON artists(id);
CREATE INDEX artists_name ON artists(name);
CREATE INDEX artists_popularity ON artists(popularity);
CREATE INDEX artists_followers ON artists(followers_total);
CREATE INDEX artist_album_artist_id ON artist_albums(artist_rowid);
CREATE INDEX artist_album_album_id ON artist_albums(album_rowid);
CREATE UNIQUE INDEX albums_id_unique ON albums(id);
CREATE INDEX album_name ON albums(name);
CREATE INDEX album_popularity ON albums(popularity);
CREATE UNIQUE INDEX available_markets_available_markets_unique ON available_markets(available_markets);
CREATE INDEX track_artists_artist_id ON track_artists(artist_rowid);
CREATE INDEX track_artists_track_id ON track_artists(track_rowid);
CREATE UNIQUE INDEX tracks_id_unique ON tracks(id);
CREATE INDEX tracks_popularity ON tracks(popularity);
CREATE INDEX tracks_album ON tracks(album_rowid);
CREATE INDEX album_images_album_id ON album_images(album_rowid);
CREATE INDEX tracks_isrc ON tracks(external_id_isrc);
"""

AUDIO_FEATURES = """
CREATE TABLE track_audio_features (
  `rowid` integer PRIMARY KEY NOT NULL,
  `track_id` text NOT NULL,
  `fetched_at` integer NOT NULL,
  `null_response` integer NOT NULL,
  `duration_ms` integer,
  `time_signature` integer,
  `tempo` integer,
  `key` integer,
  `mode` integer,
  `danceability` real,
  `energy` real,
  `loudness` real,
  `speechiness` real,
  `acousticness` real,
  `instrumentalness` real,
  `liveness` real,
  `valence` real
);
"""
AUDIO_FEATURES_INDEXES = """
CREATE UNIQUE INDEX track_audio_features_track_id_unique ON track_audio_features(track_id);
"""

# Physical column order of the real file (the last three were added by ALTER TABLE).
TRACK_FILES = """
CREATE TABLE track_files (
  `rowid` integer PRIMARY KEY NOT NULL,
  `track_id` text NOT NULL,
  `filename` text,
  `reencoded_kbit_vbr` integer,
  `fetched_at` integer,
  `session_country` text,
  `sha256_original` text,
  `sha256_with_embedded_meta` text,
  `status` text NOT NULL,
  `isrc_has_download` integer,
  `track_popularity` integer,
  `secondary_priority` real,
  `prefixed_ogg_packet` blob,
  `alternatives` text,
  `file_id_ogg_vorbis_96` text,
  `file_id_ogg_vorbis_160` text,
  `file_id_ogg_vorbis_320` text,
  `file_id_aac_24` text,
  `language_of_performance` text,
  `artist_roles` text,
  `has_lyrics` integer,
  `licensor` text,
  `original_title` text,
  `version_title` text,
  `file_id_mp3_96` text,
  `content_ratings` text,
  `filesize_bytes` integer
);
"""
TRACK_FILES_INDEXES = """
CREATE UNIQUE INDEX clean_track_files_track_id_unique ON track_files(track_id);
CREATE INDEX track_files_todo ON track_files(track_id) WHERE status = 'todo_unk';
CREATE INDEX track_files_filesize ON track_files(filesize_bytes);
CREATE INDEX track_files_filesize_todo2 ON track_files(track_popularity, filename)
  WHERE filename IS NOT NULL AND filesize_bytes IS NULL;
"""

PLAYLISTS = """
CREATE TABLE playlists (
  `rowid` integer PRIMARY KEY NOT NULL,
  `id` text NOT NULL,
  `snapshot_id` text NOT NULL,
  `fetched_at` integer NOT NULL,
  `name` text NOT NULL,
  `description` text,
  `collaborative` integer NOT NULL,
  `public` integer NOT NULL,
  `primary_color` text,
  `owner_id` text,
  `owner_display_name` text,
  `followers_total` integer,
  `tracks_total` integer NOT NULL
);
CREATE TABLE playlist_images (
  `playlist_rowid` integer NOT NULL,
  `width` integer,
  `height` integer,
  `url` text NOT NULL
);
CREATE TABLE playlist_tracks (
  `playlist_rowid` integer NOT NULL,
  `position` integer NOT NULL,
  `is_episode` integer NOT NULL,
  `track_rowid` integer,
  `id_if_not_in_tracks_table` text,
  `added_at` integer NOT NULL,
  `added_by_id` text,
  `primary_color` text,
  `video_thumbnail_url` text,
  `is_local` integer NOT NULL,
  `name_if_is_local` text,
  `uri_if_is_local` text,
  `album_name_if_is_local` text,
  `artists_name_if_is_local` text,
  `duration_ms_if_is_local` integer,
  PRIMARY KEY (`playlist_rowid`, `position`)
) WITHOUT ROWID;
"""
PLAYLISTS_INDEXES = """
CREATE UNIQUE INDEX playlists_id_unique ON playlists(id);
CREATE INDEX playlists_name ON playlists(name);
CREATE INDEX playlists_owner_id ON playlists(owner_id);
CREATE INDEX playlists_snapshot_id ON playlists(snapshot_id);
CREATE INDEX playlists_followers_total ON playlists(followers_total);
"""
