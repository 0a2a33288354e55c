-- Signals: per-tenant signing keys (private halves sealed), Shared Signals
-- streams with their subjects, and the outbox of SETs not yet delivered.
-- Times are Unix nanoseconds (0: unset).

-- +goose Up
CREATE TABLE signing_keys (
    tenant     integer NOT NULL REFERENCES tenants (key),
    id         text COLLATE "C" NOT NULL PRIMARY KEY,
    alg        text NOT NULL,
    public     text NOT NULL,
    sealed     bytea NOT NULL,
    created_at bigint NOT NULL,
    retired_at bigint NOT NULL
);
CREATE INDEX signing_keys_tenant ON signing_keys (tenant, created_at);

CREATE TABLE ssf_streams (
    tenant     integer NOT NULL REFERENCES tenants (key),
    id         text COLLATE "C" NOT NULL,
    owner      text COLLATE "C" NOT NULL,
    config     text NOT NULL,
    status     text NOT NULL,
    reason     text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE TABLE ssf_subjects (
    tenant integer NOT NULL REFERENCES tenants (key),
    stream text COLLATE "C" NOT NULL,
    key    text COLLATE "C" NOT NULL,
    data   text NOT NULL,
    PRIMARY KEY (tenant, stream, key)
);
CREATE INDEX ssf_subjects_key ON ssf_subjects (tenant, key);

CREATE TABLE ssf_sets (
    seq        bigserial PRIMARY KEY,
    tenant     integer NOT NULL REFERENCES tenants (key),
    stream     text COLLATE "C" NOT NULL,
    jti        text COLLATE "C" NOT NULL,
    token      text NOT NULL,
    person_id  text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL
);
CREATE UNIQUE INDEX ssf_sets_jti ON ssf_sets (tenant, stream, jti);

-- +goose Down
DROP TABLE ssf_sets;
DROP TABLE ssf_subjects;
DROP TABLE ssf_streams;
DROP TABLE signing_keys;
