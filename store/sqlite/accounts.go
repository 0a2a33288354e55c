package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/store"
)

// accounts implements store.Accounts.
type accounts struct{ tx *Tx }

const accountCols = `app, external_id, person_id, user_name, state, entitlements, attributes,
	service_owner, seen_at`

// putAccounts upserts by (tenant, app, external id): a connector's sync
// writes every account it saw, most of them unchanged.
var putAccounts = newInsert(`INSERT INTO accounts (tenant, `+accountCols+`) VALUES `, 10, `
	ON CONFLICT (tenant, app, external_id) DO UPDATE SET
	person_id = excluded.person_id, user_name = excluded.user_name, state = excluded.state,
	entitlements = excluded.entitlements, attributes = excluded.attributes,
	service_owner = excluded.service_owner, seen_at = excluded.seen_at`)

func (a accounts) List(ctx context.Context, app string) ([]account.Account, error) {
	var (
		rows *sql.Rows
		err  error
	)
	// Both orders are the primary key's, so neither query sorts.
	if app == "" {
		rows, err = a.tx.query(ctx, `SELECT `+accountCols+` FROM accounts WHERE tenant = ?
			ORDER BY app, external_id`, a.tx.key)
	} else {
		rows, err = a.tx.query(ctx, `SELECT `+accountCols+` FROM accounts WHERE tenant = ? AND app = ?
			ORDER BY app, external_id`, a.tx.key, app)
	}
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return scanAccounts(rows)
}

// ByPerson returns one person's accounts across apps (index accounts_person).
// The partial index leaves out unlinked accounts, and SQLite uses it only
// when the query's text implies person_id != ” (a bound value does not);
// INDEXED BY keeps the planner from walking the primary key instead to
// save the sort, which scanned every account of the tenant per lookup.
func (a accounts) ByPerson(ctx context.Context, personID string) ([]account.Account, error) {
	query := `SELECT ` + accountCols + ` FROM accounts INDEXED BY accounts_person
		WHERE tenant = ? AND person_id = ? AND person_id != '' ORDER BY app, external_id`
	if personID == "" {
		query = `SELECT ` + accountCols + ` FROM accounts WHERE tenant = ? AND person_id = ?
			ORDER BY app, external_id`
	}
	rows, err := a.tx.query(ctx, query, a.tx.key, personID)
	if err != nil {
		return nil, fmt.Errorf("accounts of %q: %w", personID, err)
	}
	return scanAccounts(rows)
}

func scanAccounts(rows *sql.Rows) ([]account.Account, error) {
	defer rows.Close()
	var out []account.Account
	for rows.Next() {
		var (
			ac                  account.Account
			state               string
			ents, attrs, seenAt sql.NullString
		)
		if err := rows.Scan(&ac.App, &ac.ExternalID, &ac.PersonID, &ac.UserName, &state,
			&ents, &attrs, &ac.ServiceOwner, &seenAt); err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		ac.State = account.State(state)
		if err := fromJSON(ents, &ac.Entitlements); err != nil {
			return nil, fmt.Errorf("account %s/%s entitlements: %w", ac.App, ac.ExternalID, err)
		}
		var err error
		if ac.Attributes, err = scanStringMap(attrs); err != nil {
			return nil, fmt.Errorf("account %s/%s attributes: %w", ac.App, ac.ExternalID, err)
		}
		if ac.SeenAt, err = parseTime(seenAt); err != nil {
			return nil, fmt.Errorf("account %s/%s: %w", ac.App, ac.ExternalID, err)
		}
		out = append(out, ac)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return out, nil
}

func (a accounts) Put(ctx context.Context, as ...account.Account) error {
	if err := a.tx.writable("put accounts"); err != nil {
		return err
	}
	err := putAccounts.run(ctx, a.tx, len(as), func(dst []any, i int) ([]any, error) {
		ac := &as[i]
		return append(dst, a.tx.key, ac.App, ac.ExternalID, ac.PersonID, ac.UserName,
			string(ac.State), stringsJSON(ac.Entitlements), mapJSON(ac.Attributes), ac.ServiceOwner, nullTime(ac.SeenAt)), nil
	})
	return translate(err, "put accounts")
}

func (a accounts) Delete(ctx context.Context, app, externalID string) error {
	if err := a.tx.writable("delete account"); err != nil {
		return err
	}
	ok, err := a.tx.execAffected(ctx, `DELETE FROM accounts WHERE tenant = ? AND app = ? AND external_id = ?`,
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
