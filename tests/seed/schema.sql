-- The tables of the Go seed (github.com/jiangtianxia/treehole) as its GORM models create them,
-- written from models/*.go so that `manage.py import_seed` is tested against the seed's own
-- schema (tests/seed/). What GORM does with those models:
--
-- * `gorm.Model` adds id (uint: BIGINT UNSIGNED AUTO_INCREMENT), created_at, updated_at (time.Time:
--   DATETIME(3), in the server's local time because the DSN says loc=Local) and deleted_at (soft
--   delete, indexed as idx_<table>_deleted_at).
-- * Every model spells its column tag `coulmn:` (sic), which GORM ignores, so each column is named
--   after its Go field in snake case: CommentNote.Conetent (sic) is the column `conetent`.
--   The `type:` part of the same tags is honoured.
-- * UserNote has no TableName(), so GORM pluralises it: `user_notes`.
-- * The snowflake ids the seed hands out (sonyflake) live in the varchar `identity` columns, as
--   decimal strings, and the numeric `id` is only GORM's row number.
-- * The seed keeps vote and visit counters as strings (approve, against: varchar(3), isvoted:
--   varchar(5)) and a note's images as one comma-joined list of URLs (note_basic.urls).
-- (No semicolon inside these comments: the tests run the file statement by statement.)

CREATE TABLE user_basic (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  created_at DATETIME(3) NULL,
  updated_at DATETIME(3) NULL,
  deleted_at DATETIME(3) NULL,
  identity VARCHAR(64) NULL,   -- the user's snowflake id
  username VARCHAR(100) NULL,
  usericon VARCHAR(255) NULL,  -- avatar URL: /upload/<user identity>/<file> or any URL
  password VARCHAR(32) NULL,   -- upper-case hex MD5 of password + the site-wide salt
  email VARCHAR(50) NULL,
  age INT NULL,
  sex TINYINT(1) NULL,         -- 0 unspecified, 1 male, 2 female
  PRIMARY KEY (id),
  KEY idx_user_basic_deleted_at (deleted_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE note_basic (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  created_at DATETIME(3) NULL,
  updated_at DATETIME(3) NULL,
  deleted_at DATETIME(3) NULL,
  identity VARCHAR(64) NULL,   -- the note's snowflake id
  title VARCHAR(255) NULL,
  content TEXT NULL,
  urls TEXT NULL,              -- "/upload/<uid>/<file>,/upload/<uid>/<file>,..."
  score INT NULL,
  approve VARCHAR(3) NULL,
  against VARCHAR(3) NULL,
  visit INT NULL,
  create_time VARCHAR(100) NULL,  -- "2006-01-02 15:04", local time
  PRIMARY KEY (id),
  KEY idx_note_basic_deleted_at (deleted_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Who wrote a note: the seed keeps authorship beside the note, not in it.
CREATE TABLE user_notes (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  created_at DATETIME(3) NULL,
  updated_at DATETIME(3) NULL,
  deleted_at DATETIME(3) NULL,
  author_identity VARCHAR(64) NULL,
  note_identity VARCHAR(64) NULL,
  PRIMARY KEY (id),
  KEY idx_user_notes_deleted_at (deleted_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE voted_note (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  created_at DATETIME(3) NULL,
  updated_at DATETIME(3) NULL,
  deleted_at DATETIME(3) NULL,
  user_identity VARCHAR(64) NULL,
  note_identity VARCHAR(64) NULL,
  isvoted VARCHAR(5) NULL,     -- "1" up, "-1" down, "0" viewed without a vote
  PRIMARY KEY (id),
  KEY idx_voted_note_deleted_at (deleted_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE comment_note (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  created_at DATETIME(3) NULL,
  updated_at DATETIME(3) NULL,
  deleted_at DATETIME(3) NULL,
  identity VARCHAR(64) NULL,   -- the comment's snowflake id
  user_identity VARCHAR(64) NULL,
  note_identity VARCHAR(64) NULL,
  conetent TEXT NULL,          -- sic: the field is CommentNote.Conetent
  create_time VARCHAR(100) NULL,
  PRIMARY KEY (id),
  KEY idx_comment_note_deleted_at (deleted_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE message_basic (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  created_at DATETIME(3) NULL,
  updated_at DATETIME(3) NULL,
  deleted_at DATETIME(3) NULL,
  identity VARCHAR(64) NULL,   -- the message's snowflake id
  user_identity VARCHAR(64) NULL,
  username VARCHAR(100) NULL,  -- copied from the sender at the time (not imported: the user is)
  usericon VARCHAR(255) NULL,
  date TEXT NULL,              -- the message's text (MessageBasic.Date)
  create_time VARCHAR(100) NULL,  -- whatever the client sent
  PRIMARY KEY (id),
  KEY idx_message_basic_deleted_at (deleted_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE image_basic (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  created_at DATETIME(3) NULL,
  updated_at DATETIME(3) NULL,
  deleted_at DATETIME(3) NULL,
  identity VARCHAR(64) NULL,   -- the uploader's user identity
  url VARCHAR(255) NULL,       -- /upload/<uid>/<snowflake>.<ext>
  type TINYINT(1) NULL,        -- 1 avatar, 2 note image
  PRIMARY KEY (id),
  KEY idx_image_basic_deleted_at (deleted_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
