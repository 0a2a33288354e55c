package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmtCache keeps statements prepared once per pool. SQLite parses SQL on
// every prepare, and the engine's work is many short transactions, each of
// which used to parse every statement again (a third of the CPU an
// operation cost). A pool-level *sql.Stmt is prepared once per connection
// and reused through Tx.StmtContext.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// maxCached bounds the cache: statements with a variable number of
// parameters (an IN list) have many texts; past the bound they are
// prepared per transaction as before.
const maxCached = 512

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, m: map[string]*sql.Stmt{}} }

// lookup returns the pool-level statement for query, or nil. It never
// prepares: inside a transaction the write pool's only connection is taken,
// and preparing on the pool would wait for it for ever.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

// learn prepares, on the pool, the statements a finished transaction had to
// prepare for itself, so the next transaction reuses them. It runs after
// the transaction has released its connection.
func (c *stmtCache) learn(ctx context.Context, queries []string) {
	for _, q := range queries {
		c.mu.Lock()
		_, have := c.m[q]
		full := len(c.m) >= maxCached
		c.mu.Unlock()
		if have || full {
			continue
		}
		s, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			continue // the transaction prepared it fine; next time will try again
		}
		c.mu.Lock()
		if _, raced := c.m[q]; raced || c.m == nil {
			_ = s.Close()
		} else {
			c.m[q] = s
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, s := range c.m {
		errs = append(errs, s.Close())
	}
	c.m = nil
	return errors.Join(errs...)
}
