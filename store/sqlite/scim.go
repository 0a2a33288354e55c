package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tenure-dev/tenure/store"
)

// scimResources implements store.SCIMResources for one source: every
// statement filters by (tenant, source), as the port's namespace.
type scimResources struct {
	tx     *Tx
	source string
}

const scimCols = `type, id, name, external_id, data`

func (s scimResources) one(ctx context.Context, what, q string, args ...any) (store.SCIMResource, error) {
	rows, err := s.tx.query(ctx, `SELECT `+scimCols+` FROM scim_resources WHERE tenant = ? AND source = ? AND `+q,
		append([]any{s.tx.key, s.source}, args...)...)
	if err != nil {
		return store.SCIMResource{}, fmt.Errorf("scim %s: %w", what, err)
	}
	rs, err := scanSCIM(rows)
	if err != nil {
		return store.SCIMResource{}, fmt.Errorf("scim %s: %w", what, err)
	}
	if len(rs) == 0 {
		return store.SCIMResource{}, notFound("scim %s", what)
	}
	return rs[0], nil
}

func (s scimResources) Get(ctx context.Context, typ, id string) (store.SCIMResource, error) {
	return s.one(ctx, typ+" "+id, `type = ? AND id = ?`, typ, id)
}

func (s scimResources) ByName(ctx context.Context, typ, name string) (store.SCIMResource, error) {
	return s.one(ctx, typ+" named "+name, `type = ? AND name = ?`, typ, name)
}

func (s scimResources) ByExternalID(ctx context.Context, typ, ext string) ([]store.SCIMResource, error) {
	rows, err := s.tx.query(ctx, `SELECT `+scimCols+` FROM scim_resources WHERE tenant = ? AND source = ? AND type = ?
		AND external_id = ? ORDER BY id`, s.tx.key, s.source, typ, ext)
	if err != nil {
		return nil, fmt.Errorf("scim by external id: %w", err)
	}
	return scanSCIM(rows)
}

func (s scimResources) Put(ctx context.Context, r store.SCIMResource) error {
	if err := s.tx.writable("put scim resource"); err != nil {
		return err
	}
	_, err := s.tx.exec(ctx, `INSERT INTO scim_resources (tenant, source, `+scimCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, source, type, id) DO UPDATE SET name = excluded.name, external_id = excluded.external_id,
		data = excluded.data`, s.tx.key, s.source, r.Type, r.ID, r.Name, r.ExternalID, string(r.Data))
	return translate(err, "put scim %s %s", r.Type, r.ID)
}

func (s scimResources) Delete(ctx context.Context, typ, id string) error {
	if err := s.tx.writable("delete scim resource"); err != nil {
		return err
	}
	ok, err := s.tx.execAffected(ctx, `DELETE FROM scim_resources WHERE tenant = ? AND source = ? AND type = ? AND id = ?`,
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
	rows, err := s.tx.query(ctx, `SELECT `+scimCols+` FROM scim_resources WHERE tenant = ? AND source = ? AND type = ? ORDER BY id`,
		s.tx.key, s.source, typ)
	if err != nil {
		return nil, fmt.Errorf("list scim %s: %w", typ, err)
	}
	return scanSCIM(rows)
}

func scanSCIM(rows *sql.Rows) ([]store.SCIMResource, error) {
	defer rows.Close()
	var out []store.SCIMResource
	for rows.Next() {
		var (
			r    store.SCIMResource
			data string
		)
		if err := rows.Scan(&r.Type, &r.ID, &r.Name, &r.ExternalID, &data); err != nil {
			return nil, err
		}
		r.Data = []byte(data)
		out = append(out, r)
	}
	return out, rows.Err()
}

var _ store.SCIMResources = scimResources{}
