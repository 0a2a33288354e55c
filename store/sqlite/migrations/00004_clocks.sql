-- Leaver clocks: one per leaver and app, open until removal is verified.

-- +goose Up
CREATE TABLE clocks (
    tenant     INTEGER NOT NULL REFERENCES tenants (key),
    seq        INTEGER NOT NULL,
    person_id  TEXT    NOT NULL,
    app        TEXT    NOT NULL,
    tier       TEXT    NOT NULL,
    started_at TEXT    NOT NULL,
    deadline   TEXT    NOT NULL,
    stopped_at TEXT,
    stopped_by TEXT    NOT NULL,
    PRIMARY KEY (tenant, seq)
) STRICT;

-- At most one open clock per leaver and app.
CREATE UNIQUE INDEX clocks_open ON clocks (tenant, person_id, app) WHERE stopped_at IS NULL;

-- +goose Down
DROP TABLE clocks;
