-- Accounts by person: the engine records each verified operation against
-- the person's account, and a leaver's accounts are looked up by person.

-- +goose Up
CREATE INDEX accounts_person ON accounts (tenant, person_id) WHERE person_id != '';

-- +goose Down
DROP INDEX accounts_person;
