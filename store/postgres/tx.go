package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/store"
)

// Tx is one transaction on one tenant's data. Every statement its ports run
// on the tenant's rows carries "tenant = $1" bound to that tenant's key. It
// is for the goroutine running the function given to Write or Read (a pgx
// connection serves one statement at a time), and not for use after that
// function returns.
type Tx struct {
	// ctx is the context Write or Read was called with, for work the Tx
	// does on its own goroutines.
	ctx    context.Context
	tx     *conn
	tenant string
	// key is the tenant's row id, which the other tables store.
	key      int32
	readOnly bool

	// The audit chain's head. A Write reads it when it locks it, at begin,
	// and then keeps it here: nobody else can move it until commit. A Read
	// reads it on first use. headDirty says the stored head is behind.
	headKnown bool
	headDirty bool
	headSeq   int64
	headHash  string
	// pending holds sealed audit entries not yet copied in: each full
	// chunk goes to an auditWriter, and the rest before anything reads the
	// audit table and before commit. spare is the previous chunk's slice,
	// to fill next, once its writer is done with it.
	pending []audit.Entry
	spare   []audit.Entry
}

var _ store.Tx = (*Tx)(nil)

// Tenant is the tenant this transaction is scoped to.
func (tx *Tx) Tenant() string { return tx.tenant }

// People is the tenant's roster.
func (tx *Tx) People() store.People { return people{tx} }

// Events is the tenant's lifecycle event history.
func (tx *Tx) Events() store.Events { return events{tx} }

// Requests holds the tenant's requested access.
func (tx *Tx) Requests() store.Requests { return requests{tx} }

// Accounts is what the tenant's apps really hold.
func (tx *Tx) Accounts() store.Accounts { return accounts{tx} }

// Batches holds the tenant's held changes.
func (tx *Tx) Batches() store.Batches { return batches{tx} }

// Tokens holds the tenant's API tokens.
func (tx *Tx) Tokens() store.Tokens { return tokens{tx} }

// Audit is the tenant's hash-chained log.
func (tx *Tx) Audit() store.AuditLog { return auditLog{tx} }

// Policy holds the tenant's accepted policy.
func (tx *Tx) Policy() store.PolicyRecords { return policyRecords{tx} }

// Receipts remembers the HR event ids already applied.
func (tx *Tx) Receipts() store.Receipts { return receipts{tx} }

// Tasks holds the tenant's work for humans.
func (tx *Tx) Tasks() store.Tasks { return tasks{tx} }

// Clocks holds the tenant's leaver clocks.
func (tx *Tx) Clocks() store.Clocks { return clocks{tx} }

// SCIM holds the SCIM resources source pushed to the tenant.
func (tx *Tx) SCIM(source string) store.SCIMResources { return scimResources{tx, source} }

// begin looks up the tenant's key; it fails with an error matching
// store.ErrNoTenant and store.ErrNotFound when the tenant was never created.
// A Write also locks the tenant's audit head, and so waits for the tenant's
// other writers to commit; being READ COMMITTED, its later statements then
// see what they wrote.
func (tx *Tx) begin(ctx context.Context) error {
	var err error
	if tx.readOnly {
		err = tx.tx.QueryRow(ctx, `SELECT key FROM tenants WHERE id = $1`, tx.tenant).Scan(&tx.key)
	} else {
		err = tx.tx.QueryRow(ctx, `SELECT t.key, h.seq, h.hash
			FROM tenants t JOIN audit_heads h ON h.tenant = t.key
			WHERE t.id = $1 FOR UPDATE OF h`, tx.tenant).Scan(&tx.key, &tx.headSeq, &tx.headHash)
		tx.headKnown = err == nil
	}
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return noTenant(tx.tenant)
	case err != nil:
		return fmt.Errorf("tenant %q: %w", tx.tenant, err)
	}
	return nil
}

// writable is called first by every write method.
func (tx *Tx) writable(what string) error {
	if tx.readOnly {
		return fmt.Errorf("%s: %w", what, errReadOnly)
	}
	return nil
}

// execAffected runs an UPDATE or DELETE and reports whether it touched a row.
func (tx *Tx) execAffected(ctx context.Context, query string, args ...any) (bool, error) {
	tag, err := tx.tx.Exec(ctx, query, args...)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() > 0, nil
}

// flush writes what the Tx buffered; run calls it before commit.
func (tx *Tx) flush(ctx context.Context) error {
	return auditLog{tx}.flush(ctx)
}

// PgxTx is the database transaction under tx, for the queue to insert jobs
// in it (River's InsertManyTx). It first waits for any audit copy the
// transaction has under way: a connection serves one statement at a time.
func (tx *Tx) PgxTx() (pgx.Tx, error) {
	if err := tx.tx.wait(); err != nil {
		return nil, err
	}
	return tx.tx.tx, nil
}
