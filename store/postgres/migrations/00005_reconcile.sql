-- What the latest reconciliation of each app found: orphans, ghosts,
-- drift, unmanaged, service and ambiguous accounts. data is the rest of
-- account.Finding as JSON: shown in reports, never queried.

-- +goose Up
CREATE TABLE findings (
    tenant      integer NOT NULL REFERENCES tenants (key),
    app         text COLLATE "C" NOT NULL,
    external_id text COLLATE "C" NOT NULL,
    class       text COLLATE "C" NOT NULL,
    person_id   text COLLATE "C" NOT NULL,
    owner       text COLLATE "C" NOT NULL,
    data        json NOT NULL,
    seen_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant, app, external_id)
);

CREATE INDEX findings_class ON findings (tenant, class);
-- A leaver's service accounts are looked up by owner on the termination.
CREATE INDEX findings_owner ON findings (tenant, owner) WHERE owner <> '';

-- +goose Down
DROP TABLE findings;
