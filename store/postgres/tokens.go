package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/token"
)

// tokens implements store.Tokens. Token ids are unique across tenants (the
// table's key is the id alone), but every statement still filters by
// tenant, so one tenant's token is "not found" to another.
type tokens struct{ tx *Tx }

const tokenCols = `id, hash, scopes, description, created_at, created_at_ns, revoked_at, revoked_at_ns, source`

// Create stores t under the Tx's tenant; an empty t.Tenant means that one,
// and any other is refused rather than filed under the wrong tenant. An id
// already taken, by any tenant, is store.ErrConflict, reported without
// raising an error in the database.
func (k tokens) Create(ctx context.Context, t token.Token) error {
	if err := k.tx.writable("create token"); err != nil {
		return err
	}
	if t.Tenant != "" && t.Tenant != k.tx.tenant {
		return fmt.Errorf("create token %q: belongs to tenant %q, not %q", t.ID, t.Tenant, k.tx.tenant)
	}
	hash := t.Hash
	if hash == nil {
		hash = []byte{} // the column is NOT NULL; pgx sends nil as NULL
	}
	tag, err := k.tx.tx.Exec(ctx, `INSERT INTO tokens (tenant, `+tokenCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
		k.tx.key, t.ID, hash, stringsJSON(t.Scopes), t.Description,
		t.CreatedAt, nanos(t.CreatedAt), nullTime(t.RevokedAt), nanos(t.RevokedAt), t.Source)
	switch {
	case err != nil:
		return translate(err, "create token %q", t.ID)
	case tag.RowsAffected() == 0:
		return conflict("create token %q", t.ID)
	}
	return nil
}

func (k tokens) Get(ctx context.Context, id string) (token.Token, error) {
	rows, err := k.tx.tx.Query(ctx, `SELECT `+tokenCols+` FROM tokens WHERE tenant = $1 AND id = $2`, k.tx.key, id)
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
	rows, err := k.tx.tx.Query(ctx, `SELECT `+tokenCols+` FROM tokens WHERE tenant = $1
		ORDER BY created_at, created_at_ns, id`, k.tx.key)
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
	ok, err := k.tx.execAffected(ctx, `UPDATE tokens SET revoked_at = $1, revoked_at_ns = $2
		WHERE tenant = $3 AND id = $4`, nullTime(at), nanos(at), k.tx.key, id)
	switch {
	case err != nil:
		return fmt.Errorf("token %q: %w", id, err)
	case !ok:
		return notFound("token %q", id)
	}
	return nil
}

// scanTokens reads rows of tokenCols, all of tenant, and closes them.
func scanTokens(rows pgx.Rows, tenant string) ([]token.Token, error) {
	defer rows.Close()
	var out []token.Token
	for rows.Next() {
		var (
			t                  token.Token
			scopes             jsonText
			created, revoked   pgtype.Timestamptz
			createdNs, revokNs int16
		)
		t.Tenant = tenant
		if err := rows.Scan(&t.ID, &t.Hash, &scopes, &t.Description, &created, &createdNs,
			&revoked, &revokNs, &t.Source); err != nil {
			return nil, err
		}
		if err := fromJSON(scopes, &t.Scopes); err != nil {
			return nil, fmt.Errorf("token %q scopes: %w", t.ID, err)
		}
		t.CreatedAt, t.RevokedAt = joinTime(created, createdNs), joinTime(revoked, revokNs)
		out = append(out, t)
	}
	return out, rows.Err()
}

var _ store.Tokens = tokens{}
