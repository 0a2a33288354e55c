-- Resources pushed by identity providers over SCIM, kept whole.

-- +goose Up
CREATE TABLE scim_resources (
    tenant      INTEGER NOT NULL REFERENCES tenants (key),
    type        TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    external_id TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    PRIMARY KEY (tenant, type, id)
) STRICT, WITHOUT ROWID;

CREATE UNIQUE INDEX scim_resources_name ON scim_resources (tenant, type, name);
CREATE INDEX scim_resources_external ON scim_resources (tenant, type, external_id) WHERE external_id != '';

-- +goose Down
DROP TABLE scim_resources;
