package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/internal/codec"
)

// accounts implements store.Accounts.
type accounts struct{ tx *Tx }

const accountCols = `app, external_id, person_id, user_name, state, entitlements, attributes,
	service_owner, seen_at, seen_at_ns`

// putAccounts upserts a chunk of accounts by (tenant, app, external id), as
// putPeople does people: a connector's sync writes every account it saw.
const putAccounts = `INSERT INTO accounts (tenant, ` + accountCols + `)
	SELECT DISTINCT ON (u.app COLLATE "C", u.external_id COLLATE "C") $1, u.app, u.external_id,
		u.person_id, u.user_name, u.state, u.entitlements::json, u.attributes::json,
		u.service_owner, u.seen_at, u.seen_at_ns
	FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
		$9::text[], $10::timestamptz[], $11::smallint[])
		WITH ORDINALITY AS u(app, external_id, person_id, user_name, state, entitlements, attributes,
		service_owner, seen_at, seen_at_ns, ord)
	ORDER BY u.app COLLATE "C", u.external_id COLLATE "C", u.ord DESC
	ON CONFLICT (tenant, app, external_id) DO UPDATE SET
	person_id = excluded.person_id, user_name = excluded.user_name, state = excluded.state,
	entitlements = excluded.entitlements, attributes = excluded.attributes,
	service_owner = excluded.service_owner, seen_at = excluded.seen_at, seen_at_ns = excluded.seen_at_ns`

func (a accounts) List(ctx context.Context, app string) ([]account.Account, error) {
	var (
		rows pgx.Rows
		err  error
	)
	// Both orders are the primary key's, so neither query sorts.
	if app == "" {
		rows, err = a.tx.tx.Query(ctx, `SELECT `+accountCols+` FROM accounts WHERE tenant = $1
			ORDER BY app, external_id`, a.tx.key)
	} else {
		rows, err = a.tx.tx.Query(ctx, `SELECT `+accountCols+` FROM accounts WHERE tenant = $1 AND app = $2
			ORDER BY app, external_id`, a.tx.key, app)
	}
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	as, err := scanAccounts(rows)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return as, nil
}

// ByPerson returns one person's accounts across apps. The index
// accounts_person leaves out unlinked accounts, and a generic plan uses it
// only when the query's text says so.
func (a accounts) ByPerson(ctx context.Context, personID string) ([]account.Account, error) {
	query := `SELECT ` + accountCols + ` FROM accounts WHERE tenant = $1 AND person_id = $2
		AND person_id <> '' ORDER BY app, external_id`
	if personID == "" {
		query = `SELECT ` + accountCols + ` FROM accounts WHERE tenant = $1 AND person_id = $2
			ORDER BY app, external_id`
	}
	rows, err := a.tx.tx.Query(ctx, query, a.tx.key, personID)
	if err != nil {
		return nil, fmt.Errorf("accounts of %q: %w", personID, err)
	}
	as, err := scanAccounts(rows)
	if err != nil {
		return nil, fmt.Errorf("accounts of %q: %w", personID, err)
	}
	return as, nil
}

// scanAccounts reads rows of accountCols and closes them.
func scanAccounts(rows pgx.Rows) ([]account.Account, error) {
	defer rows.Close()
	var (
		out         codec.Blocks[account.Account]
		state       string
		ents, attrs jsonText
		seenAt      pgtype.Timestamptz
		seenNs      int16
	)
	for rows.Next() {
		ac := out.Next()
		if err := rows.Scan(&ac.App, &ac.ExternalID, &ac.PersonID, &ac.UserName, &state,
			&ents, &attrs, &ac.ServiceOwner, &seenAt, &seenNs); err != nil {
			return nil, err
		}
		ac.State = account.State(state)
		ac.SeenAt = joinTime(seenAt, seenNs)
		if err := fromJSON(ents, &ac.Entitlements); err != nil {
			return nil, fmt.Errorf("account %s/%s entitlements: %w", ac.App, ac.ExternalID, err)
		}
		var err error
		if ac.Attributes, err = scanStringMap(attrs); err != nil {
			return nil, fmt.Errorf("account %s/%s attributes: %w", ac.App, ac.ExternalID, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out.All(), nil
}

func (a accounts) Put(ctx context.Context, as ...account.Account) error {
	if err := a.tx.writable("put accounts"); err != nil {
		return err
	}
	for start := 0; start < len(as); start += upsertChunk {
		part := as[start:min(start+upsertChunk, len(as))]
		n := len(part)
		strs := make([]string, 6*n) // one allocation for the six text columns
		col := func(i int) []string { return strs[i*n : (i+1)*n : (i+1)*n] }
		app, ext, personID, userName, state, owner := col(0), col(1), col(2), col(3), col(4), col(5)
		ents, attrs := make([]pgtype.Text, n), make([]pgtype.Text, n)
		seen, seenNs := make([]pgtype.Timestamptz, n), make([]int16, n)
		for i := range part {
			ac := &part[i]
			app[i], ext[i], personID[i], userName[i] = ac.App, ac.ExternalID, ac.PersonID, ac.UserName
			state[i], owner[i] = string(ac.State), ac.ServiceOwner
			ents[i], attrs[i] = stringsJSON(ac.Entitlements), mapJSON(ac.Attributes)
			seen[i], seenNs[i] = nullTime(ac.SeenAt), nanos(ac.SeenAt)
		}
		_, err := a.tx.tx.Exec(ctx, putAccounts, a.tx.key, app, ext, personID, userName, state,
			ents, attrs, owner, seen, seenNs)
		if err != nil {
			return translate(err, "put accounts")
		}
	}
	return nil
}

func (a accounts) Delete(ctx context.Context, app, externalID string) error {
	if err := a.tx.writable("delete account"); err != nil {
		return err
	}
	ok, err := a.tx.execAffected(ctx, `DELETE FROM accounts WHERE tenant = $1 AND app = $2 AND external_id = $3`,
		a.tx.key, app, externalID)
	switch {
	case err != nil:
		return fmt.Errorf("account %s/%s: %w", app, externalID, err)
	case !ok:
		return notFound("account %s/%s", app, externalID)
	}
	return nil
}

var _ store.Accounts = accounts{}
