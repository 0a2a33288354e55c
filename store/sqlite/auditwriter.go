package sqlite

import (
	"context"
	"database/sql"
	"sync/atomic"

	"github.com/tenure-dev/tenure/audit"
)

// auditWriter inserts full chunks of sealed audit entries on a goroutine of
// its own, so that while one chunk is written the caller goes on with its
// work and seals the next entries: for an import that is about half of what
// appending 100,000 entries costs. database/sql serialises the two
// goroutines' statements on the transaction's one connection, and the
// writer is always stopped (every queued chunk written) before anything
// reads the audit table and before the transaction ends.
type auditWriter struct {
	queue chan []audit.Entry
	free  chan []audit.Entry
	done  chan struct{}
	// err is the first failure, written by the goroutine before it sets
	// failed; after that the goroutine drains the queue without writing.
	err    error
	failed atomic.Bool
}

func startAuditWriter(ctx context.Context, stmt *sql.Stmt, tenant int64) *auditWriter {
	w := &auditWriter{
		queue: make(chan []audit.Entry, 2),
		free:  make(chan []audit.Entry, 3),
		done:  make(chan struct{}),
	}
	go w.loop(ctx, stmt, tenant)
	return w
}

func (w *auditWriter) loop(ctx context.Context, stmt *sql.Stmt, tenant int64) {
	defer close(w.done)
	args := make([]any, 0, chunk*insertAudit.cols)
	for batch := range w.queue {
		if !w.failed.Load() {
			args = args[:0]
			for i := range batch {
				args = auditArgs(args, tenant, &batch[i])
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				w.err = translate(err, "append audit entries %d-%d", batch[0].Seq, batch[len(batch)-1].Seq)
				w.failed.Store(true)
			}
		}
		select {
		case w.free <- batch[:0]:
		default:
		}
	}
}

// send queues a full chunk, waiting while the writer is two chunks behind,
// and returns an empty slice to fill next.
func (w *auditWriter) send(batch []audit.Entry) []audit.Entry {
	w.queue <- batch
	select {
	case b := <-w.free:
		return b
	default:
		return make([]audit.Entry, 0, chunk)
	}
}

// failure is the writer's error so far, if any, without waiting for it.
func (w *auditWriter) failure() error {
	if w.failed.Load() {
		return w.err
	}
	return nil
}

// stop waits until every queued chunk is written and the goroutine is gone,
// and returns the first error.
func (w *auditWriter) stop() error {
	close(w.queue)
	<-w.done
	return w.err
}
