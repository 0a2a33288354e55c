-- What the latest reconciliation of each app found: orphans, ghosts,
-- drift, unmanaged, service and ambiguous accounts. data is the rest of
-- account.Finding as JSON: shown in reports, never queried.

-- +goose Up
CREATE TABLE findings (
    tenant      INTEGER NOT NULL REFERENCES tenants (key),
    app         TEXT    NOT NULL,
    external_id TEXT    NOT NULL,
    class       TEXT    NOT NULL,
    person_id   TEXT    NOT NULL,
    owner       TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    seen_at     TEXT    NOT NULL,
    PRIMARY KEY (tenant, app, external_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX findings_class ON findings (tenant, class);
-- A leaver's service accounts are looked up by owner on the termination.
CREATE INDEX findings_owner ON findings (tenant, owner) WHERE owner != '';

-- +goose Down
DROP TABLE findings;
