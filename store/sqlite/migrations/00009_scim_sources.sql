-- SCIM sources: each identity provider pushing to a tenant (named by its
-- token's source) has its own namespace of users and groups, so two of them
-- can both have a group "Engineering". Existing resources and tokens belong
-- to the source "default". People gain source_groups, the groups per
-- source (one key per source holding the person active); their existing
-- groups came from that one source.

-- +goose Up
CREATE TABLE scim_resources_sourced (
    tenant      INTEGER NOT NULL REFERENCES tenants (key),
    source      TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    external_id TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    PRIMARY KEY (tenant, source, type, id)
) STRICT, WITHOUT ROWID;

INSERT INTO scim_resources_sourced (tenant, source, type, id, name, external_id, data)
    SELECT tenant, 'default', type, id, name, external_id, data FROM scim_resources;
DROP TABLE scim_resources;
ALTER TABLE scim_resources_sourced RENAME TO scim_resources;

CREATE UNIQUE INDEX scim_resources_name ON scim_resources (tenant, source, type, name);
CREATE INDEX scim_resources_external ON scim_resources (tenant, source, type, external_id) WHERE external_id != '';

ALTER TABLE tokens ADD COLUMN source TEXT NOT NULL DEFAULT '';

ALTER TABLE people ADD COLUMN source_groups TEXT;
UPDATE people SET source_groups = json_object('default', json(groups))
    WHERE groups IS NOT NULL AND terminated = 0;

-- +goose Down
ALTER TABLE people DROP COLUMN source_groups;
ALTER TABLE tokens DROP COLUMN source;

CREATE TABLE scim_resources_unsourced (
    tenant      INTEGER NOT NULL REFERENCES tenants (key),
    type        TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    external_id TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    PRIMARY KEY (tenant, type, id)
) STRICT, WITHOUT ROWID;

-- One namespace again: only the default source's resources fit in it.
INSERT INTO scim_resources_unsourced (tenant, type, id, name, external_id, data)
    SELECT tenant, type, id, name, external_id, data FROM scim_resources WHERE source = 'default';
DROP TABLE scim_resources;
ALTER TABLE scim_resources_unsourced RENAME TO scim_resources;

CREATE UNIQUE INDEX scim_resources_name ON scim_resources (tenant, type, name);
CREATE INDEX scim_resources_external ON scim_resources (tenant, type, external_id) WHERE external_id != '';
