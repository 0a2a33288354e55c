package postgres

import (
	"context"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenure-dev/tenure/store"
)

// policyRecords implements store.PolicyRecords: one row per tenant. The
// document is json, kept byte for byte: its fingerprint is of those bytes.
type policyRecords struct{ tx *Tx }

func (p policyRecords) Get(ctx context.Context) (store.PolicyRecord, error) {
	var (
		r        store.PolicyRecord
		doc      jsonText
		accepted pgtype.Timestamptz
		ns       int16
	)
	err := p.tx.tx.QueryRow(ctx, `SELECT fingerprint, document, accepted_at, accepted_at_ns
		FROM policy_records WHERE tenant = $1`, p.tx.key).Scan(&r.Fingerprint, &doc, &accepted, &ns)
	if err != nil {
		return store.PolicyRecord{}, translate(err, "policy of tenant %q", p.tx.tenant)
	}
	r.Document = rawBytes(doc)
	r.AcceptedAt = joinTime(accepted, ns)
	return r, nil
}

func (p policyRecords) Put(ctx context.Context, r store.PolicyRecord) error {
	if err := p.tx.writable("put policy"); err != nil {
		return err
	}
	_, err := p.tx.tx.Exec(ctx, `INSERT INTO policy_records (tenant, fingerprint, document, accepted_at, accepted_at_ns)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (tenant) DO UPDATE SET fingerprint = excluded.fingerprint,
		document = excluded.document, accepted_at = excluded.accepted_at,
		accepted_at_ns = excluded.accepted_at_ns`,
		p.tx.key, r.Fingerprint, rawJSON(r.Document), r.AcceptedAt, nanos(r.AcceptedAt))
	return translate(err, "put policy")
}

var _ store.PolicyRecords = policyRecords{}
