// Package scimload measures Tenure's SCIM 2.0 service provider against a
// reference implementation, SCIMMY (the scimmy and scimmy-routers npm
// packages, run by bench/scimmy/server.js), under the same load: the
// requests an IdP makes while provisioning — create a user, read it, look
// it up by userName, PATCH it.
//
// Both servers keep users in memory with an index on userName, listen on
// 127.0.0.1 behind a bearer token, and are pre-filled with the same users.
// The load generator runs in this process with keep-alive connections and
// sends traffic to loopback addresses only. Every request must succeed:
// a non-2xx answer is an error and fails the run, and lookups must find
// exactly the user asked for, so a server cannot look fast by answering
// wrong.
//
// Compare is what `tenure bench scim` runs; figures and the command that
// reproduces them are in BENCHMARKS.md. The machine has 2 cores, shared by
// the server under test and the load generator, so the figures are for
// comparing the two servers, not absolute capacity.
package scimload
