// Package e2e holds end-to-end tests that put the pieces together as a
// deployment does: the HR feed, the engine, the outbound SCIM connector and
// a SCIM server (Tenure's own provider, as another tenant), over HTTP.
package e2e
