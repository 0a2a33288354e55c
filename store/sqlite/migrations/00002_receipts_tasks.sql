-- HR event receipts (idempotency by event id) and tasks for humans.

-- +goose Up
CREATE TABLE receipts (
    tenant      INTEGER NOT NULL REFERENCES tenants (key),
    id          TEXT    NOT NULL,
    received_at TEXT    NOT NULL,
    PRIMARY KEY (tenant, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE tasks (
    tenant      INTEGER NOT NULL REFERENCES tenants (key),
    id          TEXT    NOT NULL,
    person_id   TEXT    NOT NULL,
    app         TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    entitlement TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    assignee    TEXT    NOT NULL,
    instruction TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    due         TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    done_at     TEXT,
    done_by     TEXT    NOT NULL,
    note        TEXT    NOT NULL,
    PRIMARY KEY (tenant, id)
) STRICT, WITHOUT ROWID;

-- One open task per operation: a retried or re-planned operation finds the
-- task it already made instead of making a second.
CREATE UNIQUE INDEX tasks_open_key ON tasks (tenant, key) WHERE status = 'open';
CREATE INDEX tasks_due ON tasks (tenant, status, due);

-- +goose Down
DROP TABLE tasks;
DROP TABLE receipts;
