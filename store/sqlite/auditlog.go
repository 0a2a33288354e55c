package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/store"
)

// auditLog implements store.AuditLog.
//
// Append seals each entry at once (so the caller gets its Seq and Hash) but
// inserts it later, a chunk at a time and on a goroutine of its own (see
// auditWriter): an import appends one entry per person, and one multi-row
// INSERT costs about what a single-row one does. Nothing can tell the
// difference: pending entries are written before this Tx reads the audit
// table and before it commits, and a failed write fails the commit, so the
// change and its entries still land together or not at all.
type auditLog struct{ tx *Tx }

const auditCols = `seq, at, actor, action, subject, data, prev_hash, hash`

var insertAudit = newInsert(`INSERT INTO audit (tenant, `+auditCols+`) VALUES `, 9, "")

// Append seals e after the head. e.Tenant is set to the Tx's tenant and a
// zero e.At to now: the chain's hashes cover both.
func (a auditLog) Append(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	if err := a.tx.writable("append audit entry"); err != nil {
		return audit.Entry{}, err
	}
	seq, hash, err := a.Head(ctx)
	if err != nil {
		return audit.Entry{}, err
	}
	e.Tenant = a.tx.tenant
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e = audit.Seal(e, seq, hash)
	tx := a.tx
	tx.headSeq, tx.headHash, tx.headDirty = e.Seq, e.Hash, true
	tx.pending = append(tx.pending, e)
	if len(tx.pending) == chunk {
		if tx.aw == nil {
			stmt, err := tx.stmt(ctx, insertAudit.many)
			if err != nil {
				return audit.Entry{}, fmt.Errorf("append audit entry: %w", err)
			}
			tx.aw = startAuditWriter(tx.ctx, stmt, tx.key)
		}
		if err := tx.aw.failure(); err != nil {
			return audit.Entry{}, err
		}
		tx.pending = tx.aw.send(tx.pending)
	}
	return e, nil
}

// Head is read from audit_heads once per Tx and then tracked in memory.
func (a auditLog) Head(ctx context.Context) (int64, string, error) {
	if !a.tx.headKnown {
		err := a.tx.queryRow(ctx, `SELECT seq, hash FROM audit_heads WHERE tenant = ?`, a.tx.key).
			Scan(&a.tx.headSeq, &a.tx.headHash)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			a.tx.headSeq, a.tx.headHash = 0, audit.Genesis
		case err != nil:
			return 0, "", fmt.Errorf("audit head: %w", err)
		}
		a.tx.headKnown = true
	}
	return a.tx.headSeq, a.tx.headHash, nil
}

// Scan returns up to limit entries after seq after; a limit of 0 or less
// means no cap, as in store.EventFilter.
func (a auditLog) Scan(ctx context.Context, after int64, limit int) ([]audit.Entry, error) {
	if err := a.flush(ctx); err != nil {
		return nil, err
	}
	rows, err := a.tx.query(ctx, `SELECT `+auditCols+` FROM audit WHERE tenant = ? AND seq > ?
		ORDER BY seq LIMIT ?`, a.tx.key, after, cmpLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("scan audit: %w", err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var (
			e        audit.Entry
			at, data sql.NullString
		)
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Subject, &data, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("scan audit: %w", err)
		}
		e.Tenant = a.tx.tenant
		e.Data = rawBytes(data)
		if e.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("audit entry %d: %w", e.Seq, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scan audit: %w", err)
	}
	return out, nil
}

// flush waits for the writer goroutine, inserts the entries still pending
// and moves the stored head to the last of them.
func (a auditLog) flush(ctx context.Context) error {
	tx := a.tx
	if tx.aw != nil {
		err := tx.aw.stop()
		tx.aw = nil
		if err != nil {
			return err
		}
	}
	if p := tx.pending; len(p) > 0 {
		err := insertAudit.run(ctx, tx, len(p), func(dst []any, i int) ([]any, error) {
			return auditArgs(dst, tx.key, &p[i]), nil
		})
		if err != nil {
			return translate(err, "append audit entries %d-%d", p[0].Seq, p[len(p)-1].Seq)
		}
		tx.pending = p[:0]
	}
	if tx.headDirty {
		_, err := tx.exec(ctx, `INSERT INTO audit_heads (tenant, seq, hash) VALUES (?, ?, ?)
			ON CONFLICT (tenant) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`,
			tx.key, tx.headSeq, tx.headHash)
		if err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		tx.headDirty = false
	}
	return nil
}

// auditArgs appends one row of insertAudit.
func auditArgs(dst []any, tenant int64, e *audit.Entry) []any {
	return append(dst, tenant, e.Seq, fmtTime(e.At), e.Actor, e.Action, e.Subject,
		rawText(e.Data), e.PrevHash, e.Hash)
}

var _ store.AuditLog = auditLog{}
