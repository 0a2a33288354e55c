// Package audit is the per-tenant hash-chained log of every state change.
//
// Each entry's hash covers its own content and the previous entry's hash, so
// altering, inserting or removing any row breaks the chain from that row on.
// Entries are appended by the store inside the same transaction as the change
// they record (see store.AuditLog), so a change without its entry, or an entry
// without its change, cannot be committed.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Genesis is the "previous hash" of a tenant's first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Entry is one audit record.
type Entry struct {
	Tenant string    `json:"tenant"`
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	// Actor is who caused the change: "cli:root", "token:ab12cd34", "engine".
	Actor string `json:"actor"`
	// Action is a dotted verb: "person.join", "batch.held", "token.created".
	Action string `json:"action"`
	// Subject is what the change is about: an employeeId, a batch id, a token id.
	Subject string `json:"subject,omitempty"`
	// Data is the change's detail as canonical JSON (encoding/json output of a
	// map or struct; keys sorted for maps).
	Data     json.RawMessage `json:"data,omitempty"`
	PrevHash string          `json:"prevHash"`
	Hash     string          `json:"hash"`
}

// Seal fills Seq, PrevHash and Hash for e, the entry that follows prev
// (prevSeq 0 and prevHash Genesis for the first entry).
func Seal(e Entry, prevSeq int64, prevHash string) Entry {
	e.Seq = prevSeq + 1
	e.PrevHash = prevHash
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Hash = Hash(e)
	return e
}

// Hash computes an entry's hash from its content and PrevHash. Each field is
// length-prefixed so no two different entries serialise the same.
func Hash(e Entry) string {
	// The bytes hashed are "len:field;" for each field in order: the same
	// as fmt's "%d:%s;" but without its cost on every imported event.
	buf := make([]byte, 0, 256+len(e.Data))
	field := func(f string) {
		buf = strconv.AppendInt(buf, int64(len(f)), 10)
		buf = append(buf, ':')
		buf = append(buf, f...)
		buf = append(buf, ';')
	}
	field(e.PrevHash)
	field(e.Tenant)
	field(strconv.FormatInt(e.Seq, 10))
	field(e.At.UTC().Format(time.RFC3339Nano))
	field(e.Actor)
	field(e.Action)
	field(e.Subject)
	field(string(e.Data))
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

// Data marshals v for Entry.Data; it panics only on values that cannot be
// JSON (channels, funcs), which is a programming error.
func Data(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("audit: cannot marshal %T: %v", v, err))
	}
	return b
}

// ErrBroken is returned (wrapped in a *BrokenError) when a chain does not verify.
var ErrBroken = errors.New("audit chain broken")

// BrokenError names the first entry at which the chain fails and why.
type BrokenError struct {
	Tenant string
	Seq    int64
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit chain of tenant %s broken at entry %d: %s", e.Tenant, e.Seq, e.Reason)
}

func (e *BrokenError) Unwrap() error { return ErrBroken }

// Verifier checks entries one at a time, in sequence order, so a chain of any
// length verifies in constant memory.
type Verifier struct {
	tenant   string
	prevSeq  int64
	prevHash string
	// Count is the number of entries verified so far.
	Count int64
}

// NewVerifier starts verifying tenant's chain from its genesis.
func NewVerifier(tenant string) *Verifier {
	return &Verifier{tenant: tenant, prevHash: Genesis}
}

// Next verifies the next entry. It reports a removed row (a gap in Seq), an
// inserted or reordered row (a Seq out of order or a PrevHash that does not
// link), and an altered row (a Hash that does not match the content).
func (v *Verifier) Next(e Entry) error {
	want := v.prevSeq + 1
	switch {
	case e.Tenant != v.tenant:
		return &BrokenError{v.tenant, e.Seq, fmt.Sprintf("entry belongs to tenant %q", e.Tenant)}
	case e.Seq > want:
		return &BrokenError{v.tenant, want, fmt.Sprintf("entry missing (next present is %d)", e.Seq)}
	case e.Seq < want:
		return &BrokenError{v.tenant, e.Seq, fmt.Sprintf("entry out of order or duplicated (expected %d)", want)}
	case e.PrevHash != v.prevHash:
		return &BrokenError{v.tenant, e.Seq, "previous-hash link does not match the entry before it"}
	case Hash(e) != e.Hash:
		return &BrokenError{v.tenant, e.Seq, "content does not match its hash (entry altered)"}
	}
	v.prevSeq, v.prevHash = e.Seq, e.Hash
	v.Count++
	return nil
}

// Finish checks the chain ends where the store says its head is, which
// catches rows removed from the end.
func (v *Verifier) Finish(headSeq int64, headHash string) error {
	if headSeq != v.prevSeq || headHash != v.prevHash {
		return &BrokenError{v.tenant, v.prevSeq + 1, fmt.Sprintf("chain ends at entry %d but the recorded head is entry %d", v.prevSeq, headSeq)}
	}
	return nil
}
