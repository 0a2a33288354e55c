// Package guard is the mass-change guard: a batch (an import, a policy
// change) that would remove access from more people than a tenant allows is
// held for a human decision instead of applied. A truncated HR export must
// never deprovision the company.
package guard
