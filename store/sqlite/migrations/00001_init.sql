-- The initial schema.
--
-- A tenant is known outside by its id and inside by its key, a small integer
-- that every other table stores in its tenant column: short keys make short
-- index entries that compare quickly. Most tables are keyed by (tenant, …),
-- so each tenant's rows sit together in the B-tree, and every statement the
-- adapter runs on them is scoped with "tenant = ?".
--
-- Times are UTC text in the fixed-width form 2006-01-02T15:04:05.000000000Z,
-- which sorts as it compares and round-trips to the nanosecond. In a
-- nullable column NULL is the zero time ("not given"); a NOT NULL column
-- stores the zero time as year 1. JSON columns hold encoding/json's form;
-- NULL there is a nil map or slice.

-- +goose Up
CREATE TABLE tenants (
    key        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE people (
    tenant          INTEGER NOT NULL REFERENCES tenants (key),
    id              TEXT    NOT NULL,
    email           TEXT    NOT NULL,
    given_name      TEXT    NOT NULL,
    family_name     TEXT    NOT NULL,
    display_name    TEXT    NOT NULL,
    department      TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    location        TEXT    NOT NULL,
    manager_id      TEXT    NOT NULL,
    employment_type TEXT    NOT NULL,
    start_date      TEXT,
    end_date        TEXT,
    on_leave        INTEGER NOT NULL,
    terminated      INTEGER NOT NULL,
    attributes      TEXT,
    status          TEXT    NOT NULL,
    PRIMARY KEY (tenant, id)
) STRICT, WITHOUT ROWID;

-- Event ids are global and only grow (AUTOINCREMENT never reuses one), so
-- "ordered by id" is "ordered by when they were recorded".
CREATE TABLE events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant       INTEGER NOT NULL REFERENCES tenants (key),
    person_id    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    effective_at TEXT NOT NULL,
    state        TEXT NOT NULL,
    changes      TEXT,
    source       TEXT NOT NULL,
    created_at   TEXT
) STRICT;

-- The scheduler's question: which scheduled events are due? Only scheduled
-- events are indexed: most events are applied at import and never asked
-- about by time, so they cost this index nothing. A query uses it only when
-- its text says state = 'scheduled' (a bound parameter would not do).
CREATE INDEX events_due ON events (tenant, effective_at) WHERE state = 'scheduled';
CREATE INDEX events_person ON events (tenant, person_id);

CREATE TABLE requests (
    tenant      INTEGER NOT NULL REFERENCES tenants (key),
    id          TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    app         TEXT NOT NULL,
    entitlement TEXT NOT NULL,
    approver    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    created_at  TEXT,
    PRIMARY KEY (tenant, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE accounts (
    tenant        INTEGER NOT NULL REFERENCES tenants (key),
    app           TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    user_name     TEXT NOT NULL,
    state         TEXT NOT NULL,
    entitlements  TEXT,
    attributes    TEXT,
    service_owner TEXT NOT NULL,
    seen_at       TEXT,
    PRIMARY KEY (tenant, app, external_id)
) STRICT, WITHOUT ROWID;

-- summary is guard.Summary as JSON: it is shown to a reviewer, never queried.
CREATE TABLE batches (
    tenant     INTEGER NOT NULL REFERENCES tenants (key),
    id         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    status     TEXT NOT NULL,
    summary    TEXT NOT NULL,
    payload    BLOB,
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
) STRICT, WITHOUT ROWID;

CREATE INDEX batches_status ON batches (tenant, status, created_at);

-- Token ids are globally unique: a presented token names its id before the
-- tenant is known.
CREATE TABLE tokens (
    id          TEXT NOT NULL PRIMARY KEY,
    tenant      INTEGER NOT NULL REFERENCES tenants (key),
    hash        BLOB NOT NULL,
    scopes      TEXT,
    description TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
) STRICT;

CREATE INDEX tokens_tenant ON tokens (tenant, created_at);

CREATE TABLE audit (
    tenant    INTEGER NOT NULL REFERENCES tenants (key),
    seq       INTEGER NOT NULL,
    at        TEXT    NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    subject   TEXT    NOT NULL,
    data      TEXT,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL,
    PRIMARY KEY (tenant, seq)
) STRICT, WITHOUT ROWID;

-- The head of each tenant's chain, kept beside it so that Append does not
-- search the log and so that rows removed from the end of the log are caught
-- by audit.Verifier.Finish.
CREATE TABLE audit_heads (
    tenant INTEGER NOT NULL PRIMARY KEY REFERENCES tenants (key),
    seq    INTEGER NOT NULL,
    hash   TEXT    NOT NULL
) STRICT;

CREATE TABLE policy_records (
    tenant      INTEGER NOT NULL PRIMARY KEY REFERENCES tenants (key),
    fingerprint TEXT NOT NULL,
    document    TEXT,
    accepted_at TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE policy_records;
DROP TABLE audit_heads;
DROP TABLE audit;
DROP TABLE tokens;
DROP TABLE batches;
DROP TABLE accounts;
DROP TABLE requests;
DROP TABLE events;
DROP TABLE people;
DROP TABLE tenants;
