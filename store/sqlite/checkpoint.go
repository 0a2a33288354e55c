package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync/atomic"
)

// checkpointer copies the write-ahead log back into the database file in
// the background.
//
// SQLite's automatic checkpoint runs inside the COMMIT that takes the log
// past its threshold, so the transaction that wrote the most, an import,
// would also wait for all its pages to be written a second time. The write
// connection has it turned off (wal_autocheckpoint(0)); instead each commit
// nudges this goroutine, which runs a PASSIVE checkpoint on a connection of
// its own. A passive checkpoint blocks neither the writer nor readers, and
// nudges that arrive while one runs fold into the next.
type checkpointer struct {
	db     *sql.DB
	kick   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	// ran, when set, is called after each checkpoint with its error; tests
	// wait on it instead of sleeping.
	ran atomic.Pointer[func(error)]
}

func startCheckpointer(db *sql.DB) *checkpointer {
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	go c.loop(ctx)
	return c
}

// nudge asks for a checkpoint soon; it never blocks.
func (c *checkpointer) nudge() {
	select {
	case c.kick <- struct{}{}:
	default: // one is already asked for
	}
}

func (c *checkpointer) loop(ctx context.Context) {
	defer close(c.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.kick:
		}
		_, err := c.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
		if err != nil && ctx.Err() == nil {
			// Nothing is lost: the log keeps every commit, and the next
			// checkpoint (or the last connection's close) copies it.
			slog.Warn("sqlite: background checkpoint failed", "err", err)
		}
		if f := c.ran.Load(); f != nil {
			(*f)(err)
		}
	}
}

// close stops the goroutine, interrupting a checkpoint in progress, and
// closes its connection.
func (c *checkpointer) close() error {
	c.cancel()
	<-c.done
	if err := c.db.Close(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
