-- Resources (agents, environments, sessions, vaults, credentials) as JSON documents plus the
-- columns lists filter on. Kept to SQL that PostgreSQL also accepts.
CREATE TABLE resources (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  parent_id   TEXT,
  ref_version INTEGER,
  status      TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  archived_at TEXT,
  revision    INTEGER NOT NULL,
  body        TEXT NOT NULL
);
CREATE INDEX resources_kind ON resources (kind, id);
CREATE INDEX resources_parent ON resources (kind, parent_id, id);

CREATE TABLE resource_versions (
  id         TEXT NOT NULL,
  version    INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  body       TEXT NOT NULL,
  PRIMARY KEY (id, version)
);

-- The session log. (session_id, seq) is the primary key, so a lost race between two writers
-- is a constraint violation, never a silent reorder.
CREATE TABLE events (
  session_id TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  id         TEXT NOT NULL UNIQUE,
  type       TEXT NOT NULL,
  created_at TEXT NOT NULL,
  intake_seq INTEGER,
  data       TEXT NOT NULL,
  hidden     TEXT,
  PRIMARY KEY (session_id, seq)
);
CREATE INDEX events_intake ON events (session_id, intake_seq);
CREATE INDEX events_type ON events (session_id, type, seq);

-- The fold of each session's log (status, usage, stats), updated in the append transaction.
CREATE TABLE session_heads (
  session_id TEXT PRIMARY KEY,
  last_seq   INTEGER NOT NULL,
  summary    TEXT NOT NULL
);

CREATE TABLE leases (
  session_id TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  epoch      INTEGER NOT NULL,
  expires_at BIGINT NOT NULL
);

CREATE TABLE idempotency_keys (
  key         TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  status      INTEGER,
  body        TEXT
);
