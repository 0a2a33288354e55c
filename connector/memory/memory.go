// Package memory is a connector holding accounts in memory. It implements
// the core and every capability, counts each call, and can be told to fail,
// so the engine's behaviour — ordering, idempotency, retries, verification —
// can be tested without a network. It is also the reference for what a
// connector must do.
package memory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
)

// App is one in-memory app.
type App struct {
	ID string

	mu       sync.Mutex
	accounts map[string]*account.Account // by key(): person id, or "ext:"+external id for an account of no person
	sessions map[string]int              // live sessions by person id
	calls    map[string]int              // "disable E1" → count
	order    []string                    // every mutating call, in order
	// fail, when set, is consulted before each mutating call.
	fail func(call string) error
	next int
	// PageSize is how many accounts List returns a page (default 100).
	PageSize int
}

// key is where an account is kept: by person, or by its own id when it
// belongs to no person (an orphan, a service account).
func key(acc *account.Account) string {
	if acc.PersonID != "" {
		return acc.PersonID
	}
	return "ext:" + acc.ExternalID
}

// find returns the account of s: by person id, else by the app's id.
func (a *App) find(s connector.Subject) (*account.Account, bool) {
	if s.PersonID != "" {
		if acc, ok := a.accounts[s.PersonID]; ok {
			return acc, true
		}
	}
	if s.ExternalID != "" {
		for _, acc := range a.accounts {
			if acc.ExternalID == s.ExternalID {
				return acc, true
			}
		}
	}
	return nil, false
}

// New makes an empty app.
func New(id string) *App {
	return &App{ID: id, accounts: map[string]*account.Account{}, sessions: map[string]int{}, calls: map[string]int{}}
}

// FailWith makes mutating calls return fail(call)'s error when not nil;
// call is "ensure E1", "disable E1", "grant E1 admin", ….
func (a *App) FailWith(fail func(call string) error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fail = fail
}

// Seed puts an account in place, with live sessions, as if created earlier.
func (a *App) Seed(acc account.Account, sessions int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	acc.App = a.ID
	a.accounts[key(&acc)] = &acc
	a.sessions[key(&acc)] = sessions
}

// Calls returns how many times call was made (successful or not).
func (a *App) Calls(call string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[call]
}

// Order returns the mutating calls that succeeded, in order.
func (a *App) Order() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.order)
}

// Sessions returns a person's live sessions.
func (a *App) Sessions(personID string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sessions[personID]
}

func (a *App) begin(call string) error {
	a.calls[call]++
	if a.fail != nil {
		if err := a.fail(call); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) done(call string) { a.order = append(a.order, call) }

// Read implements connector.Connector.
func (a *App) Read(_ context.Context, s connector.Subject) (account.Account, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	acc, ok := a.find(s)
	if !ok {
		return account.Account{}, fmt.Errorf("%s: %s: %w", a.ID, cmp.Or(s.PersonID, s.ExternalID), connector.ErrNotFound)
	}
	out := *acc
	out.Entitlements = slices.Clone(acc.Entitlements)
	return out, nil
}

// Ensure implements connector.Connector.
func (a *App) Ensure(_ context.Context, s connector.Subject) (account.Account, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	call := "ensure " + s.PersonID
	if err := a.begin(call); err != nil {
		return account.Account{}, err
	}
	acc, ok := a.find(s)
	if ok && acc.PersonID != s.PersonID {
		// Adopt an account found by its id (one made on first login):
		// it is linked to the person from now on.
		delete(a.accounts, key(acc))
		acc.PersonID = s.PersonID
		a.accounts[key(acc)] = acc
	}
	if !ok {
		a.next++
		acc = &account.Account{App: a.ID, ExternalID: fmt.Sprintf("%s-%d", a.ID, a.next), PersonID: s.PersonID}
		a.accounts[s.PersonID] = acc
	}
	acc.UserName, acc.State = s.UserName, account.Enabled
	if s.Disabled {
		acc.State = account.Disabled
	}
	acc.Attributes = map[string]string{"email": s.Email, "displayName": s.DisplayName}
	a.done(call)
	return *acc, nil
}

// Disable implements connector.Connector.
func (a *App) Disable(_ context.Context, s connector.Subject) error {
	return a.mutate("disable "+who(s), s, func(acc *account.Account) { acc.State = account.Disabled })
}

// Delete implements connector.Connector.
func (a *App) Delete(_ context.Context, s connector.Subject) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	call := "delete " + who(s)
	if err := a.begin(call); err != nil {
		return err
	}
	if acc, ok := a.find(s); ok {
		k := key(acc)
		delete(a.accounts, k)
		delete(a.sessions, k)
	}
	a.done(call)
	return nil
}

// Grant implements connector.GroupManager.
func (a *App) Grant(_ context.Context, s connector.Subject, ent string) error {
	return a.mutate("grant "+who(s)+" "+ent, s, func(acc *account.Account) {
		if !acc.Has(ent) {
			acc.Entitlements = append(acc.Entitlements, ent)
		}
	})
}

// Revoke implements connector.GroupManager.
func (a *App) Revoke(_ context.Context, s connector.Subject, ent string) error {
	return a.mutate("revoke "+who(s)+" "+ent, s, func(acc *account.Account) {
		acc.Entitlements = slices.DeleteFunc(acc.Entitlements, func(e string) bool { return e == ent })
	})
}

// RevokeSessions implements connector.SessionRevoker.
func (a *App) RevokeSessions(_ context.Context, s connector.Subject) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	call := "revoke-sessions " + who(s)
	if err := a.begin(call); err != nil {
		return err
	}
	if acc, ok := a.find(s); ok {
		a.sessions[key(acc)] = 0
	}
	a.done(call)
	return nil
}

// mutate applies f to the person's account; an absent account is fine for
// idempotent removals (the work is already done).
func (a *App) mutate(call string, s connector.Subject, f func(*account.Account)) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.begin(call); err != nil {
		return err
	}
	acc, ok := a.find(s)
	if !ok {
		if call[:6] == "grant " {
			return connector.NewPermanent(errors.New("no account to grant to"), "")
		}
		a.done(call)
		return nil
	}
	f(acc)
	a.done(call)
	return nil
}

// who names a subject in call strings: its person, else its account id.
func who(s connector.Subject) string { return cmp.Or(s.PersonID, s.ExternalID) }

// List implements connector.Lister: PageSize accounts at a time in
// external-id order; the cursor is the offset of the next page.
func (a *App) List(_ context.Context, cursor string) ([]account.Account, string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	from := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return nil, "", connector.NewPermanent(fmt.Errorf("%s: list cursor %q is not an offset", a.ID, cursor), "")
		}
		from = n
	}
	all := make([]*account.Account, 0, len(a.accounts))
	for _, acc := range a.accounts {
		all = append(all, acc)
	}
	slices.SortFunc(all, func(x, y *account.Account) int { return cmp.Compare(x.ExternalID, y.ExternalID) })
	size := cmp.Or(a.PageSize, 100)
	if from >= len(all) {
		return nil, "", nil
	}
	to := min(from+size, len(all))
	page := make([]account.Account, 0, to-from)
	for _, acc := range all[from:to] {
		c := *acc
		c.Entitlements = slices.Clone(acc.Entitlements)
		page = append(page, c)
	}
	next := ""
	if to < len(all) {
		next = strconv.Itoa(to)
	}
	return page, next, nil
}

// TransferOwnership implements connector.OwnershipTransferer: the service
// account's owner becomes newOwner.
func (a *App) TransferOwnership(_ context.Context, sa account.Account, newOwner connector.Subject) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	call := "transfer " + sa.ExternalID + " " + newOwner.PersonID
	if err := a.begin(call); err != nil {
		return err
	}
	acc, ok := a.find(connector.Subject{ExternalID: sa.ExternalID})
	if !ok {
		return connector.NewPermanent(fmt.Errorf("%s: no service account %s", a.ID, sa.ExternalID), "")
	}
	acc.ServiceOwner = newOwner.PersonID
	a.done(call)
	return nil
}

var (
	_ connector.Connector           = (*App)(nil)
	_ connector.GroupManager        = (*App)(nil)
	_ connector.SessionRevoker      = (*App)(nil)
	_ connector.Lister              = (*App)(nil)
	_ connector.OwnershipTransferer = (*App)(nil)
)
