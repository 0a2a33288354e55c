// Package memory is a connector holding accounts in memory. It implements
// the core and every capability, counts each call, and can be told to fail,
// so the engine's behaviour — ordering, idempotency, retries, verification —
// can be tested without a network. It is also the reference for what a
// connector must do.
package memory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
)

// App is one in-memory app.
type App struct {
	ID string

	mu       sync.Mutex
	accounts map[string]*account.Account // by person id
	sessions map[string]int              // live sessions by person id
	calls    map[string]int              // "disable E1" → count
	order    []string                    // every mutating call, in order
	// fail, when set, is consulted before each mutating call.
	fail func(call string) error
	next int
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
	a.accounts[acc.PersonID] = &acc
	a.sessions[acc.PersonID] = sessions
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
	acc, ok := a.accounts[s.PersonID]
	if !ok {
		return account.Account{}, fmt.Errorf("%s: %s: %w", a.ID, s.PersonID, connector.ErrNotFound)
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
	acc, ok := a.accounts[s.PersonID]
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
	return a.mutate("disable "+s.PersonID, s.PersonID, func(acc *account.Account) { acc.State = account.Disabled })
}

// Delete implements connector.Connector.
func (a *App) Delete(_ context.Context, s connector.Subject) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	call := "delete " + s.PersonID
	if err := a.begin(call); err != nil {
		return err
	}
	delete(a.accounts, s.PersonID)
	delete(a.sessions, s.PersonID)
	a.done(call)
	return nil
}

// Grant implements connector.GroupManager.
func (a *App) Grant(_ context.Context, s connector.Subject, ent string) error {
	return a.mutate("grant "+s.PersonID+" "+ent, s.PersonID, func(acc *account.Account) {
		if !acc.Has(ent) {
			acc.Entitlements = append(acc.Entitlements, ent)
		}
	})
}

// Revoke implements connector.GroupManager.
func (a *App) Revoke(_ context.Context, s connector.Subject, ent string) error {
	return a.mutate("revoke "+s.PersonID+" "+ent, s.PersonID, func(acc *account.Account) {
		acc.Entitlements = slices.DeleteFunc(acc.Entitlements, func(e string) bool { return e == ent })
	})
}

// RevokeSessions implements connector.SessionRevoker.
func (a *App) RevokeSessions(_ context.Context, s connector.Subject) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	call := "revoke-sessions " + s.PersonID
	if err := a.begin(call); err != nil {
		return err
	}
	a.sessions[s.PersonID] = 0
	a.done(call)
	return nil
}

// mutate applies f to the person's account; an absent account is fine for
// idempotent removals (the work is already done).
func (a *App) mutate(call, personID string, f func(*account.Account)) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.begin(call); err != nil {
		return err
	}
	acc, ok := a.accounts[personID]
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

var (
	_ connector.Connector      = (*App)(nil)
	_ connector.GroupManager   = (*App)(nil)
	_ connector.SessionRevoker = (*App)(nil)
)
