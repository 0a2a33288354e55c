package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/store"
)

// findings implements store.Findings.
type findings struct{ tx *Tx }

// Findings holds what the tenant's latest reconciliations found.
func (tx *Tx) Findings() store.Findings { return findings{tx} }

func (f findings) Replace(ctx context.Context, app string, fs []account.Finding) error {
	if err := f.tx.writable("replace findings"); err != nil {
		return err
	}
	for _, x := range fs {
		if x.App != app {
			return fmt.Errorf("replace findings of %s: finding %s is of app %q", app, x.ExternalID, x.App)
		}
	}
	if _, err := f.tx.tx.Exec(ctx, `DELETE FROM findings WHERE tenant = $1 AND app = $2`, f.tx.key, app); err != nil {
		return translate(err, "replace findings of %s", app)
	}
	for _, x := range fs {
		data, err := json.Marshal(x)
		if err != nil {
			return fmt.Errorf("finding %s/%s: %w", app, x.ExternalID, err)
		}
		if _, err := f.tx.tx.Exec(ctx, `INSERT INTO findings (tenant, app, external_id, class, person_id, owner, data, seen_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7::json, $8)`, f.tx.key, app, x.ExternalID, string(x.Class), x.PersonID, x.Owner,
			string(data), x.SeenAt); err != nil {
			return translate(err, "finding %s/%s", app, x.ExternalID)
		}
	}
	return nil
}

func (f findings) List(ctx context.Context, flt store.FindingFilter) ([]account.Finding, error) {
	q := `SELECT data::text FROM findings WHERE tenant = $1`
	args := []any{f.tx.key}
	add := func(col, v string) {
		args = append(args, v)
		q += ` AND ` + col + ` = $` + strconv.Itoa(len(args))
	}
	if flt.App != "" {
		add("app", flt.App)
	}
	if flt.Class != "" {
		add("class", string(flt.Class))
	}
	if flt.Owner != "" {
		add("owner", flt.Owner)
	}
	rows, err := f.tx.tx.Query(ctx, q+` ORDER BY app, external_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list findings: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (account.Finding, error) {
		var (
			x    account.Finding
			data string
		)
		if err := r.Scan(&data); err != nil {
			return x, err
		}
		if err := json.Unmarshal([]byte(data), &x); err != nil {
			return x, fmt.Errorf("corrupt row: %w", err)
		}
		return x, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list findings: %w", err)
	}
	return out, nil
}

func (f findings) SetOwner(ctx context.Context, app, externalID, owner string) (bool, error) {
	if err := f.tx.writable("set service account owner"); err != nil {
		return false, err
	}
	var data string
	err := f.tx.tx.QueryRow(ctx, `SELECT data::text FROM findings WHERE tenant = $1 AND app = $2 AND external_id = $3 AND class = $4`,
		f.tx.key, app, externalID, string(account.Service)).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("service account %s/%s: %w", app, externalID, err)
	}
	var x account.Finding
	if err := json.Unmarshal([]byte(data), &x); err != nil {
		return false, fmt.Errorf("service account %s/%s: corrupt row: %w", app, externalID, err)
	}
	x.Owner, x.OwnerGone = owner, false
	b, err := json.Marshal(x)
	if err != nil {
		return false, err
	}
	return f.tx.execAffected(ctx, `UPDATE findings SET owner = $1, data = $2::json WHERE tenant = $3 AND app = $4 AND external_id = $5`,
		owner, string(b), f.tx.key, app, externalID)
}

var _ store.Findings = findings{}
