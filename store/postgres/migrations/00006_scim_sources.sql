-- SCIM sources: each identity provider pushing to a tenant (named by its
-- token's source) has its own namespace of users and groups, so two of them
-- can both have a group "Engineering". Existing resources and tokens belong
-- to the source "default". People gain source_groups, the groups per
-- source (one key per source holding the person active); their existing
-- groups came from that one source.

-- +goose Up
ALTER TABLE scim_resources ADD COLUMN source text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE scim_resources ALTER COLUMN source DROP DEFAULT;
ALTER TABLE scim_resources DROP CONSTRAINT scim_resources_pkey;
ALTER TABLE scim_resources ADD PRIMARY KEY (tenant, source, type, id);
DROP INDEX scim_resources_name;
DROP INDEX scim_resources_external;
CREATE UNIQUE INDEX scim_resources_name ON scim_resources (tenant, source, type, name);
CREATE INDEX scim_resources_external ON scim_resources (tenant, source, type, external_id) WHERE external_id <> '';

ALTER TABLE tokens ADD COLUMN source text COLLATE "C" NOT NULL DEFAULT '';

ALTER TABLE people ADD COLUMN source_groups json;
UPDATE people SET source_groups = json_build_object('default', groups)
    WHERE groups IS NOT NULL AND NOT terminated;

-- +goose Down
ALTER TABLE people DROP COLUMN source_groups;
ALTER TABLE tokens DROP COLUMN source;

-- One namespace again: only the default source's resources fit in it.
DELETE FROM scim_resources WHERE source <> 'default';
DROP INDEX scim_resources_name;
DROP INDEX scim_resources_external;
ALTER TABLE scim_resources DROP CONSTRAINT scim_resources_pkey;
ALTER TABLE scim_resources DROP COLUMN source;
ALTER TABLE scim_resources ADD PRIMARY KEY (tenant, type, id);
CREATE UNIQUE INDEX scim_resources_name ON scim_resources (tenant, type, name);
CREATE INDEX scim_resources_external ON scim_resources (tenant, type, external_id) WHERE external_id <> '';
