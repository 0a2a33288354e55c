package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/token"
)

// tokens implements store.Tokens. Token ids are unique across tenants (the
// table's key is the id alone), but every statement still filters by
// tenant, so one tenant's token is "not found" to another.
type tokens struct{ tx *Tx }

const tokenCols = `id, hash, scopes, description, created_at, revoked_at, source`

// Create stores t under the Tx's tenant; an empty t.Tenant means that one,
// and any other is refused rather than filed under the wrong tenant.
func (k tokens) Create(ctx context.Context, t token.Token) error {
	if err := k.tx.writable("create token"); err != nil {
		return err
	}
	if t.Tenant != "" && t.Tenant != k.tx.tenant {
		return fmt.Errorf("create token %q: belongs to tenant %q, not %q", t.ID, t.Tenant, k.tx.tenant)
	}
	_, err := k.tx.exec(ctx, `INSERT INTO tokens (tenant, `+tokenCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		k.tx.key, t.ID, t.Hash, stringsJSON(t.Scopes), t.Description, fmtTime(t.CreatedAt), nullTime(t.RevokedAt), t.Source)
	return translate(err, "create token %q", t.ID)
}

func (k tokens) Get(ctx context.Context, id string) (token.Token, error) {
	rows, err := k.tx.query(ctx, `SELECT `+tokenCols+` FROM tokens WHERE tenant = ? AND id = ?`, k.tx.key, id)
	if err != nil {
		return token.Token{}, fmt.Errorf("token %q: %w", id, err)
	}
	ts, err := scanTokens(rows, k.tx.tenant)
	if err != nil {
		return token.Token{}, fmt.Errorf("token %q: %w", id, err)
	}
	if len(ts) == 0 {
		return token.Token{}, notFound("token %q", id)
	}
	return ts[0], nil
}

func (k tokens) List(ctx context.Context) ([]token.Token, error) {
	rows, err := k.tx.query(ctx, `SELECT `+tokenCols+` FROM tokens WHERE tenant = ?
		ORDER BY created_at, id`, k.tx.key)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	ts, err := scanTokens(rows, k.tx.tenant)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return ts, nil
}

func (k tokens) Revoke(ctx context.Context, id string, at time.Time) error {
	if err := k.tx.writable("revoke token"); err != nil {
		return err
	}
	ok, err := k.tx.execAffected(ctx, `UPDATE tokens SET revoked_at = ? WHERE tenant = ? AND id = ?`,
		nullTime(at), k.tx.key, id)
	switch {
	case err != nil:
		return fmt.Errorf("token %q: %w", id, err)
	case !ok:
		return notFound("token %q", id)
	}
	return nil
}

// scanTokens reads rows of tokenCols, all of tenant, and closes them.
func scanTokens(rows *sql.Rows, tenant string) ([]token.Token, error) {
	defer rows.Close()
	var out []token.Token
	for rows.Next() {
		var (
			t                        token.Token
			scopes, created, revoked sql.NullString
		)
		t.Tenant = tenant
		if err := rows.Scan(&t.ID, &t.Hash, &scopes, &t.Description, &created, &revoked, &t.Source); err != nil {
			return nil, err
		}
		if err := fromJSON(scopes, &t.Scopes); err != nil {
			return nil, fmt.Errorf("token %q scopes: %w", t.ID, err)
		}
		var err error
		if t.CreatedAt, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("token %q: %w", t.ID, err)
		}
		if t.RevokedAt, err = parseTime(revoked); err != nil {
			return nil, fmt.Errorf("token %q: %w", t.ID, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

var _ store.Tokens = tokens{}
