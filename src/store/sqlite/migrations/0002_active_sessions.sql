-- Sessions that need a brain (mid-turn, or input no brain took in yet), so a worker that
-- starts after a crash finds them without scanning every log.
ALTER TABLE session_heads ADD COLUMN active INTEGER NOT NULL DEFAULT 0;
CREATE INDEX session_heads_active ON session_heads (active);
