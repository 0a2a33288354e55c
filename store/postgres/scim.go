package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tenure-dev/tenure/store"
)

// scimResources implements store.SCIMResources for one source: every
// statement filters by (tenant, source), as the port's namespace.
type scimResources struct {
	tx     *Tx
	source string
}

const scimCols = `type, id, name, external_id, data::text`

func (s scimResources) query(ctx context.Context, what, where string, args ...any) ([]store.SCIMResource, error) {
	rows, err := s.tx.tx.Query(ctx, `SELECT `+scimCols+` FROM scim_resources WHERE tenant = $1 AND source = $2 AND `+where+` ORDER BY id`,
		append([]any{s.tx.key, s.source}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("scim %s: %w", what, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.SCIMResource, error) {
		var (
			x    store.SCIMResource
			data string
		)
		err := r.Scan(&x.Type, &x.ID, &x.Name, &x.ExternalID, &data)
		x.Data = []byte(data)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("scim %s: %w", what, err)
	}
	return out, nil
}

func (s scimResources) one(ctx context.Context, what, where string, args ...any) (store.SCIMResource, error) {
	rs, err := s.query(ctx, what, where, args...)
	if err != nil {
		return store.SCIMResource{}, err
	}
	if len(rs) == 0 {
		return store.SCIMResource{}, notFound("scim %s", what)
	}
	return rs[0], nil
}

func (s scimResources) Get(ctx context.Context, typ, id string) (store.SCIMResource, error) {
	return s.one(ctx, typ+" "+id, `type = $3 AND id = $4`, typ, id)
}

func (s scimResources) ByName(ctx context.Context, typ, name string) (store.SCIMResource, error) {
	return s.one(ctx, typ+" named "+name, `type = $3 AND name = $4`, typ, name)
}

func (s scimResources) ByExternalID(ctx context.Context, typ, ext string) ([]store.SCIMResource, error) {
	return s.query(ctx, "by external id", `type = $3 AND external_id = $4`, typ, ext)
}

// Put checks the name first, so a taken name is ErrConflict without a
// failed statement (which would abort the whole PostgreSQL transaction).
func (s scimResources) Put(ctx context.Context, r store.SCIMResource) error {
	if err := s.tx.writable("put scim resource"); err != nil {
		return err
	}
	taken, err := s.query(ctx, "name check", `type = $3 AND name = $4 AND id <> $5`, r.Type, r.Name, r.ID)
	if err != nil {
		return err
	}
	if len(taken) > 0 {
		return fmt.Errorf("put scim %s %s: name %q: %w", r.Type, r.ID, r.Name, store.ErrConflict)
	}
	_, err = s.tx.tx.Exec(ctx, `INSERT INTO scim_resources (tenant, source, type, id, name, external_id, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7::json)
		ON CONFLICT (tenant, source, type, id) DO UPDATE SET name = excluded.name, external_id = excluded.external_id,
		data = excluded.data`, s.tx.key, s.source, r.Type, r.ID, r.Name, r.ExternalID, string(r.Data))
	return translate(err, "put scim %s %s", r.Type, r.ID)
}

func (s scimResources) Delete(ctx context.Context, typ, id string) error {
	if err := s.tx.writable("delete scim resource"); err != nil {
		return err
	}
	ok, err := s.tx.execAffected(ctx, `DELETE FROM scim_resources WHERE tenant = $1 AND source = $2 AND type = $3 AND id = $4`,
		s.tx.key, s.source, typ, id)
	if err != nil {
		return translate(err, "delete scim %s %s", typ, id)
	}
	if !ok {
		return notFound("scim %s %s", typ, id)
	}
	return nil
}

func (s scimResources) List(ctx context.Context, typ string) ([]store.SCIMResource, error) {
	return s.query(ctx, "list "+typ, `type = $3`, typ)
}

var _ store.SCIMResources = scimResources{}
