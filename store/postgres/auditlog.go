package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/store"
)

// auditLog implements store.AuditLog.
//
// Append seals each entry at once (so the caller gets its Seq and Hash) but
// copies it in later, a chunk at a time and on a goroutine of its own (see
// auditWriter): an import appends one entry per person, a COPY of
// thousands of rows spares a round trip per entry, and while a chunk is
// copied the caller goes on sealing the next. Nothing can tell the
// difference: pending entries are written before this Tx reads the audit
// table and before it commits, and a failed write fails the commit, so the
// change and its entries still land together or not at all.
type auditLog struct{ tx *Tx }

const auditCols = `seq, at, actor, action, subject, data, prev_hash, hash`

var auditCopyCols = []string{"tenant", "seq", "at", "actor", "action", "subject", "data", "prev_hash", "hash"}

// auditChunk is how many sealed entries wait before they are copied in.
// The first chunk's sealing and the last one's copy are not overlapped.
const auditChunk = 4096

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
	if len(tx.pending) >= auditChunk {
		// One chunk in flight: wait for the previous one, and fail now if
		// it failed.
		if err := tx.tx.wait(); err != nil {
			return audit.Entry{}, err
		}
		full := tx.pending
		tx.pending, tx.spare = tx.spare[:0], nil
		tx.tx.aw = startAuditWriter(tx.ctx, tx.tx.tx, tx.key, full, func() { tx.spare = full })
	}
	return e, nil
}

// Head is the head a Write locked at begin, moved by each Append; a Read
// looks it up on first use.
func (a auditLog) Head(ctx context.Context) (int64, string, error) {
	if !a.tx.headKnown {
		err := a.tx.tx.QueryRow(ctx, `SELECT seq, hash FROM audit_heads WHERE tenant = $1`, a.tx.key).
			Scan(&a.tx.headSeq, &a.tx.headHash)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			// CreateTenant makes the row; without it the chain is empty.
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
	if err := a.copyPending(ctx); err != nil {
		return nil, err
	}
	query := `SELECT ` + auditCols + ` FROM audit WHERE tenant = $1 AND seq > $2 ORDER BY seq`
	args := []any{a.tx.key, after}
	if limit > 0 {
		query += ` LIMIT $3`
		args = append(args, limit)
	}
	rows, err := a.tx.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("scan audit: %w", err)
	}
	defer rows.Close()
	var (
		out  []audit.Entry
		data jsonText
	)
	for rows.Next() {
		var e audit.Entry
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.Subject, &data, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("scan audit: %w", err)
		}
		e.Tenant = a.tx.tenant
		e.At = e.At.UTC()
		e.Data = rawBytes(data)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scan audit: %w", err)
	}
	return out, nil
}

// copyPending copies the sealed entries still pending into the audit table.
func (a auditLog) copyPending(ctx context.Context) error {
	tx := a.tx
	p := tx.pending
	if len(p) == 0 {
		return nil
	}
	if err := tx.tx.wait(); err != nil {
		return err
	}
	if err := copyAudit(ctx, tx.tx.tx, tx.key, p); err != nil {
		return err
	}
	tx.pending = p[:0]
	return nil
}

// copyAudit copies sealed entries into tenant's log.
func copyAudit(ctx context.Context, ptx pgx.Tx, tenant int32, es []audit.Entry) error {
	src := &copySource{n: len(es), buf: make([]any, 0, len(auditCopyCols)), i: -1,
		row: func(dst []any, i int) ([]any, error) {
			e := &es[i]
			return append(dst, tenant, e.Seq, e.At, e.Actor, e.Action, e.Subject,
				rawJSON(e.Data), e.PrevHash, e.Hash), nil
		}}
	if _, err := ptx.CopyFrom(ctx, pgx.Identifier{"audit"}, auditCopyCols, src); err != nil {
		return translate(err, "append audit entries %d-%d", es[0].Seq, es[len(es)-1].Seq)
	}
	return nil
}

// auditWriter copies one chunk of sealed entries in on a goroutine of its
// own, while the caller seals the next. The connection is the Tx's: conn
// waits for the writer before any other statement, and run stops it before
// the transaction ends.
type auditWriter struct {
	done   chan struct{}
	cancel context.CancelFunc
	err    error // set before done is closed
}

// startAuditWriter starts copying es; release is called, on the writer's
// goroutine, once es is no longer needed.
func startAuditWriter(ctx context.Context, ptx pgx.Tx, tenant int32, es []audit.Entry, release func()) *auditWriter {
	ctx, cancel := context.WithCancel(ctx)
	w := &auditWriter{done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(w.done)
		w.err = copyAudit(ctx, ptx, tenant, es)
		release()
	}()
	return w
}

// wait waits for the copy and returns its error.
func (w *auditWriter) wait() error {
	<-w.done
	w.cancel()
	return w.err
}

// abandon interrupts the copy and waits for the goroutine to end.
func (w *auditWriter) abandon() {
	w.cancel()
	<-w.done
}

// flush copies the pending entries in and moves the stored head to the
// last of them.
func (a auditLog) flush(ctx context.Context) error {
	if err := a.copyPending(ctx); err != nil {
		return err
	}
	tx := a.tx
	if tx.headDirty {
		if _, err := tx.tx.Exec(ctx, `UPDATE audit_heads SET seq = $2, hash = $3 WHERE tenant = $1`,
			tx.key, tx.headSeq, tx.headHash); err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		tx.headDirty = false
	}
	return nil
}

var _ store.AuditLog = auditLog{}
