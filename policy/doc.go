// Package policy turns a person's current attributes into the access they
// should have: birthright rules (CEL over the person) select roles, roles
// bundle app entitlements, and approved unexpired requests add to them.
//
// Desired access is a pure function of the person as they are now, so a
// mover's old-role access has no reason left and the plan removes it.
package policy
