package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tenure-dev/tenure/store"
)

// policyRecords implements store.PolicyRecords: one row per tenant.
type policyRecords struct{ tx *Tx }

func (p policyRecords) Get(ctx context.Context) (store.PolicyRecord, error) {
	var (
		r             store.PolicyRecord
		doc, accepted sql.NullString
	)
	err := p.tx.queryRow(ctx, `SELECT fingerprint, document, accepted_at FROM policy_records
		WHERE tenant = ?`, p.tx.key).Scan(&r.Fingerprint, &doc, &accepted)
	if err != nil {
		return store.PolicyRecord{}, translate(err, "policy of tenant %q", p.tx.tenant)
	}
	r.Document = rawBytes(doc)
	if r.AcceptedAt, err = parseTime(accepted); err != nil {
		return store.PolicyRecord{}, fmt.Errorf("policy of tenant %q: %w", p.tx.tenant, err)
	}
	return r, nil
}

func (p policyRecords) Put(ctx context.Context, r store.PolicyRecord) error {
	if err := p.tx.writable("put policy"); err != nil {
		return err
	}
	_, err := p.tx.exec(ctx, `INSERT INTO policy_records (tenant, fingerprint, document, accepted_at)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant) DO UPDATE SET fingerprint = excluded.fingerprint,
		document = excluded.document, accepted_at = excluded.accepted_at`,
		p.tx.key, r.Fingerprint, rawText(r.Document), fmtTime(r.AcceptedAt))
	return translate(err, "put policy")
}

var _ store.PolicyRecords = policyRecords{}
