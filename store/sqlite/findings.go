package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

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
	if _, err := f.tx.exec(ctx, `DELETE FROM findings WHERE tenant = ? AND app = ?`, f.tx.key, app); err != nil {
		return translate(err, "replace findings of %s", app)
	}
	for _, x := range fs {
		if x.App != app {
			return fmt.Errorf("replace findings of %s: finding %s is of app %q", app, x.ExternalID, x.App)
		}
		data, err := json.Marshal(x)
		if err != nil {
			return fmt.Errorf("finding %s/%s: %w", app, x.ExternalID, err)
		}
		if _, err := f.tx.exec(ctx, `INSERT INTO findings (tenant, app, external_id, class, person_id, owner, data, seen_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, f.tx.key, app, x.ExternalID, string(x.Class), x.PersonID, x.Owner,
			string(data), fmtTime(x.SeenAt)); err != nil {
			return translate(err, "finding %s/%s", app, x.ExternalID)
		}
	}
	return nil
}

func (f findings) List(ctx context.Context, flt store.FindingFilter) ([]account.Finding, error) {
	q := `SELECT data FROM findings WHERE tenant = ?`
	args := []any{f.tx.key}
	if flt.App != "" {
		q += ` AND app = ?`
		args = append(args, flt.App)
	}
	if flt.Class != "" {
		q += ` AND class = ?`
		args = append(args, string(flt.Class))
	}
	if flt.Owner != "" {
		q += ` AND owner = ?`
		args = append(args, flt.Owner)
	}
	rows, err := f.tx.query(ctx, q+` ORDER BY app, external_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list findings: %w", err)
	}
	defer rows.Close()
	var out []account.Finding
	for rows.Next() {
		var data sql.NullString
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("list findings: %w", err)
		}
		var x account.Finding
		if err := json.Unmarshal([]byte(data.String), &x); err != nil {
			return nil, fmt.Errorf("list findings: corrupt row: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

func (f findings) SetOwner(ctx context.Context, app, externalID, owner string) (bool, error) {
	if err := f.tx.writable("set service account owner"); err != nil {
		return false, err
	}
	var data string
	err := f.tx.queryRow(ctx, `SELECT data FROM findings WHERE tenant = ? AND app = ? AND external_id = ? AND class = ?`,
		f.tx.key, app, externalID, string(account.Service)).Scan(&data)
	if err == sql.ErrNoRows {
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
	return f.tx.execAffected(ctx, `UPDATE findings SET owner = ?, data = ? WHERE tenant = ? AND app = ? AND external_id = ?`,
		owner, string(b), f.tx.key, app, externalID)
}

var _ store.Findings = findings{}
