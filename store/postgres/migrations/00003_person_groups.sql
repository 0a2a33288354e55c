-- The groups an identity provider pushed a person into (SCIM), which
-- birthright rules read as person.groups. HR files never carry them.

-- +goose Up
ALTER TABLE people ADD COLUMN groups json;

-- +goose Down
ALTER TABLE people DROP COLUMN groups;
