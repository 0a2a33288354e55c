package engine

import (
	"context"
	"errors"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/store"
)

// recordEffect writes a verified operation's effect into the known state.
// A person's operations go through lifecycle.RecordEffect; an orphan's and
// a service account's are recorded from the read-back of the account
// itself, which belongs to no person.
func recordEffect(ctx context.Context, tx store.Tx, o plan.Operation, seen *account.Account) error {
	switch {
	case o.Action == plan.TransferOwnership:
		if _, err := tx.Findings().SetOwner(ctx, o.App, o.ExternalID, o.NewOwner); err != nil {
			return err
		}
		if seen == nil {
			return nil
		}
		sa := *seen
		sa.App, sa.PersonID, sa.ServiceOwner = o.App, "", o.NewOwner
		return tx.Accounts().Put(ctx, sa)
	case o.Person == "":
		if o.Action == plan.Delete || seen == nil {
			err := tx.Accounts().Delete(ctx, o.App, o.ExternalID)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		}
		acc := *seen
		acc.App, acc.PersonID = o.App, ""
		return tx.Accounts().Put(ctx, acc)
	}
	return lifecycle.RecordEffect(ctx, tx, o.App, o.Person, string(o.Action), o.Entitlement, seen)
}
