// Package signal tells relying parties that a person's sessions must end:
// Security Event Tokens (RFC 8417) with CAEP and RISC events delivered over
// OpenID Shared Signals Framework 1.0 streams, by push (RFC 8935) or poll
// (RFC 8936), and OIDC Back-Channel Logout 1.0 logout tokens.
//
// Everything is signed with the tenant's own keys (keys.go), published at
// /t/{tenant}/jwks.json, whose private halves are stored sealed under the
// operator's key-encryption key (kek.go).
//
// The leaver flow (leaver.go) runs inside the transaction of the roster
// change: the SETs for every stream subscribed to the person are signed and
// stored in the outbox, the deliveries are queued and the leaver clocks
// started, all committing with the change or not at all. Delivery then
// happens in the queue's workers (push.go, logout.go), with retries; a SET
// stays in the outbox until a push receiver accepts it or a poll receiver
// acknowledges it (poll.go), so nothing is lost while a receiver is down.
//
// The HTTP handlers live in httpapi; this package holds the protocol.
package signal
