-- Signals: per-tenant signing keys (private halves sealed), Shared Signals
-- streams with their subjects, and the outbox of SETs not yet delivered.
-- Times are Unix nanoseconds (0: unset).

-- +goose Up
CREATE TABLE signing_keys (
    tenant     INTEGER NOT NULL REFERENCES tenants (key),
    id         TEXT    NOT NULL PRIMARY KEY,
    alg        TEXT    NOT NULL,
    public     TEXT    NOT NULL,
    sealed     BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    retired_at INTEGER NOT NULL
) STRICT;
CREATE INDEX signing_keys_tenant ON signing_keys (tenant, created_at);

CREATE TABLE ssf_streams (
    tenant     INTEGER NOT NULL REFERENCES tenants (key),
    id         TEXT    NOT NULL,
    owner      TEXT    NOT NULL,
    config     TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE ssf_subjects (
    tenant INTEGER NOT NULL REFERENCES tenants (key),
    stream TEXT    NOT NULL,
    key    TEXT    NOT NULL,
    data   TEXT    NOT NULL,
    PRIMARY KEY (tenant, stream, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX ssf_subjects_key ON ssf_subjects (tenant, key);

CREATE TABLE ssf_sets (
    seq        INTEGER PRIMARY KEY,
    tenant     INTEGER NOT NULL REFERENCES tenants (key),
    stream     TEXT    NOT NULL,
    jti        TEXT    NOT NULL,
    token      TEXT    NOT NULL,
    person_id  TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX ssf_sets_jti ON ssf_sets (tenant, stream, jti);

-- +goose Down
DROP TABLE ssf_sets;
DROP TABLE ssf_subjects;
DROP TABLE ssf_streams;
DROP TABLE signing_keys;
