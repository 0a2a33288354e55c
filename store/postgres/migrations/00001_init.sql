-- The schema of Tenure's PostgreSQL store.
--
-- A tenant is known outside by its id and inside by its key, a small integer
-- that every other table stores in its tenant column. Most tables are keyed
-- by (tenant, …), and every statement the adapter runs on them is scoped with
-- "tenant = $1".
--
-- Text that is a key or that a port orders by is COLLATE "C": byte order,
-- the order Go's strings and the SQLite store sort in, whatever collation the
-- database was created with, and much cheaper to compare than a locale's.
--
-- Times. timestamptz keeps microseconds, time.Time nanoseconds, and the
-- ports promise a time comes back as it was stored. So each time a port
-- hands back has a companion column <name>_ns holding the nanoseconds below
-- the microsecond (0-999); queries compare and order by the pair. In a
-- nullable time column NULL is the zero time ("not given"); a NOT NULL one
-- stores the zero time as 0001-01-01 00:00:00+00, before every real time.
-- audit.at needs no companion: audit.Seal truncates to the microsecond.
--
-- JSON columns are json, not jsonb: json keeps the text byte for byte, and
-- audit hashes cover the exact bytes of audit.data. NULL there is a nil map,
-- slice or message, so that nil and empty each survive a round trip.
--
-- The high-volume tables (people, events, accounts, audit, receipts) do not
-- declare their tenant column a foreign key. Every row is written by a Tx
-- that has just looked its tenant up, tenants are never deleted, and
-- PostgreSQL checks a foreign key row by row: on a 100,000-person import it
-- more than doubled the cost of each insert.

-- +goose Up
CREATE TABLE tenants (
    key        integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text COLLATE "C" NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);

-- The head of each tenant's audit chain, created with the tenant (seq 0 and
-- audit.Genesis). Every Write locks its tenant's row first (SELECT … FOR
-- UPDATE), which makes writers of one tenant take turns: two of them can
-- never seal after the same head, nor read what the other is changing.
-- Rows removed from the end of the log are caught by audit.Verifier.Finish.
CREATE TABLE audit_heads (
    tenant integer NOT NULL PRIMARY KEY REFERENCES tenants (key),
    seq    bigint  NOT NULL,
    hash   text    NOT NULL
);

CREATE TABLE people (
    tenant          integer NOT NULL,
    id              text COLLATE "C" NOT NULL,
    email           text     NOT NULL,
    given_name      text     NOT NULL,
    family_name     text     NOT NULL,
    display_name    text     NOT NULL,
    department      text     NOT NULL,
    title           text     NOT NULL,
    location        text     NOT NULL,
    manager_id      text     NOT NULL,
    employment_type text     NOT NULL,
    start_date      timestamptz,
    start_date_ns   smallint NOT NULL,
    end_date        timestamptz,
    end_date_ns     smallint NOT NULL,
    on_leave        boolean  NOT NULL,
    terminated      boolean  NOT NULL,
    attributes      json,
    status          text     NOT NULL,
    PRIMARY KEY (tenant, id)
);

-- Event ids are global and only grow: Events.Append takes them from this
-- sequence (no cache, so that every session's ids follow one order) before
-- it copies the events in.
CREATE SEQUENCE event_ids AS bigint CACHE 1;

CREATE TABLE events (
    id              bigint   NOT NULL DEFAULT nextval('event_ids'),
    tenant          integer  NOT NULL,
    person_id       text COLLATE "C" NOT NULL,
    kind            text     NOT NULL,
    effective_at    timestamptz NOT NULL,
    effective_at_ns smallint NOT NULL,
    state           text     NOT NULL,
    changes         json,
    source          text     NOT NULL,
    created_at      timestamptz,
    created_at_ns   smallint NOT NULL,
    -- id alone is unique (the sequence sees to it); keying by tenant first
    -- keeps each tenant's events together, in the order List returns them.
    PRIMARY KEY (tenant, id)
);

ALTER SEQUENCE event_ids OWNED BY events.id;

-- The scheduler's question: which scheduled events are due? Only scheduled
-- events are indexed: most are applied at import and never asked about by
-- time. A query uses it only when its text says state = 'scheduled' (a
-- bound parameter would not do in a generic plan).
CREATE INDEX events_due ON events (tenant, effective_at, effective_at_ns) WHERE state = 'scheduled';
CREATE INDEX events_person ON events (tenant, person_id, id);

CREATE TABLE requests (
    tenant        integer NOT NULL REFERENCES tenants (key),
    id            text COLLATE "C" NOT NULL,
    person_id     text     NOT NULL,
    app           text     NOT NULL,
    entitlement   text     NOT NULL,
    approver      text     NOT NULL,
    reason        text     NOT NULL,
    expires_at    timestamptz NOT NULL,
    expires_at_ns smallint NOT NULL,
    created_at    timestamptz,
    created_at_ns smallint NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE TABLE accounts (
    tenant        integer NOT NULL,
    app           text COLLATE "C" NOT NULL,
    external_id   text COLLATE "C" NOT NULL,
    person_id     text     NOT NULL,
    user_name     text     NOT NULL,
    state         text     NOT NULL,
    entitlements  json,
    attributes    json,
    service_owner text     NOT NULL,
    seen_at       timestamptz,
    seen_at_ns    smallint NOT NULL,
    PRIMARY KEY (tenant, app, external_id)
);

-- Accounts by person: the engine records each verified operation against
-- the person's account, and a leaver's accounts are looked up by person.
-- Unlinked accounts (person_id '') are left out.
CREATE INDEX accounts_person ON accounts (tenant, person_id) WHERE person_id <> '';

-- summary is guard.Summary as JSON: it is shown to a reviewer, never
-- queried. payload is opaque to the store.
CREATE TABLE batches (
    tenant        integer NOT NULL REFERENCES tenants (key),
    id            text COLLATE "C" NOT NULL,
    kind          text     NOT NULL,
    status        text     NOT NULL,
    summary       json     NOT NULL,
    payload       bytea,
    created_at    timestamptz NOT NULL,
    created_at_ns smallint NOT NULL,
    decided_at    timestamptz,
    decided_at_ns smallint NOT NULL,
    decided_by    text     NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE INDEX batches_status ON batches (tenant, status, created_at, created_at_ns);

-- Token ids are globally unique: a presented token names its id before the
-- tenant is known.
CREATE TABLE tokens (
    id            text COLLATE "C" NOT NULL PRIMARY KEY,
    tenant        integer NOT NULL REFERENCES tenants (key),
    hash          bytea    NOT NULL,
    scopes        json,
    description   text     NOT NULL,
    created_at    timestamptz NOT NULL,
    created_at_ns smallint NOT NULL,
    revoked_at    timestamptz,
    revoked_at_ns smallint NOT NULL
);

CREATE INDEX tokens_tenant ON tokens (tenant, created_at, created_at_ns);

CREATE TABLE audit (
    tenant    integer NOT NULL,
    seq       bigint  NOT NULL,
    at        timestamptz NOT NULL,
    actor     text    NOT NULL,
    action    text    NOT NULL,
    subject   text    NOT NULL,
    data      json,
    prev_hash text    NOT NULL,
    hash      text    NOT NULL,
    PRIMARY KEY (tenant, seq)
);

CREATE TABLE policy_records (
    tenant         integer NOT NULL PRIMARY KEY REFERENCES tenants (key),
    fingerprint    text     NOT NULL,
    document       json,
    accepted_at    timestamptz NOT NULL,
    accepted_at_ns smallint NOT NULL
);

-- HR event receipts (idempotency by event id). received_at is for people
-- reading the table; no port hands it back.
CREATE TABLE receipts (
    tenant      integer NOT NULL,
    id          text COLLATE "C" NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE TABLE tasks (
    tenant        integer NOT NULL REFERENCES tenants (key),
    id            text COLLATE "C" NOT NULL,
    person_id     text     NOT NULL,
    app           text     NOT NULL,
    action        text     NOT NULL,
    entitlement   text     NOT NULL,
    key           text     NOT NULL,
    assignee      text     NOT NULL,
    instruction   text     NOT NULL,
    reason        text     NOT NULL,
    due           timestamptz NOT NULL,
    due_ns        smallint NOT NULL,
    status        text     NOT NULL,
    created_at    timestamptz NOT NULL,
    created_at_ns smallint NOT NULL,
    done_at       timestamptz,
    done_at_ns    smallint NOT NULL,
    done_by       text     NOT NULL,
    note          text     NOT NULL,
    PRIMARY KEY (tenant, id)
);

-- One open task per operation: a retried or re-planned operation finds the
-- task it already made instead of making a second.
CREATE UNIQUE INDEX tasks_open_key ON tasks (tenant, key) WHERE status = 'open';
CREATE INDEX tasks_due ON tasks (tenant, status, due, due_ns);

-- Leaver clocks: one per leaver and app, open until removal is verified.
-- seq orders clocks that started at the same time by when they were made.
CREATE TABLE clocks (
    tenant        integer NOT NULL REFERENCES tenants (key),
    seq           bigint GENERATED ALWAYS AS IDENTITY,
    person_id     text     NOT NULL,
    app           text     NOT NULL,
    tier          text     NOT NULL,
    started_at    timestamptz NOT NULL,
    started_at_ns smallint NOT NULL,
    deadline      timestamptz NOT NULL,
    deadline_ns   smallint NOT NULL,
    stopped_at    timestamptz,
    stopped_at_ns smallint NOT NULL,
    stopped_by    text     NOT NULL,
    PRIMARY KEY (tenant, seq)
);

-- At most one open clock per leaver and app.
CREATE UNIQUE INDEX clocks_open ON clocks (tenant, person_id, app) WHERE stopped_at IS NULL;

-- +goose Down
DROP TABLE clocks;
DROP TABLE tasks;
DROP TABLE receipts;
DROP TABLE policy_records;
DROP TABLE audit;
DROP TABLE tokens;
DROP TABLE batches;
DROP TABLE accounts;
DROP TABLE requests;
DROP TABLE events;
DROP SEQUENCE IF EXISTS event_ids;
DROP TABLE people;
DROP TABLE audit_heads;
DROP TABLE tenants;
