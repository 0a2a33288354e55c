-- Resources pushed by identity providers over SCIM, kept whole.

-- +goose Up
CREATE TABLE scim_resources (
    tenant      integer NOT NULL REFERENCES tenants (key),
    type        text COLLATE "C" NOT NULL,
    id          text COLLATE "C" NOT NULL,
    name        text COLLATE "C" NOT NULL,
    external_id text COLLATE "C" NOT NULL,
    data        json NOT NULL,
    PRIMARY KEY (tenant, type, id)
);

CREATE UNIQUE INDEX scim_resources_name ON scim_resources (tenant, type, name);
CREATE INDEX scim_resources_external ON scim_resources (tenant, type, external_id) WHERE external_id <> '';

-- +goose Down
DROP TABLE scim_resources;
