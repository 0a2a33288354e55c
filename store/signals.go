package store

import (
	"context"
	"encoding/json"
	"time"
)

// SigningKey is one of a tenant's keys for signing Security Event Tokens
// and logout tokens. The private half is only ever stored sealed (AES-GCM
// under the operator's key-encryption key): a copy of the database alone
// cannot forge a tenant's signals.
type SigningKey struct {
	// ID is the key's "kid", unique in the store.
	ID string
	// Alg is the JWS algorithm the key signs with ("RS256", "ES256").
	Alg string
	// Public is the public JWK (JSON), as published at /t/{tenant}/jwks.json.
	Public json.RawMessage
	// Sealed is the private key (PKCS #8 DER) sealed with the KEK.
	Sealed    []byte
	CreatedAt time.Time
	// RetiredAt is when a newer key took over signing; zero while this key
	// signs. A retired key stays published for the retention window, so
	// tokens it signed that are still in flight verify.
	RetiredAt time.Time
}

// SigningKeys holds the tenant's signing keys.
type SigningKeys interface {
	// Create stores a key; ErrConflict if its ID exists.
	Create(ctx context.Context, k SigningKey) error
	// List returns the tenant's keys, oldest first.
	List(ctx context.Context) ([]SigningKey, error)
	// Retire sets RetiredAt; ErrNotFound if absent.
	Retire(ctx context.Context, id string, at time.Time) error
	// Delete removes a key; ErrNotFound if absent.
	Delete(ctx context.Context, id string) error
}

// Stream is a Shared Signals stream: one receiver's subscription to the
// tenant's security events.
type Stream struct {
	ID string
	// Owner is the id of the API token that created the stream: a receiver
	// sees and manages only the streams its token created.
	Owner string
	// Config is the stream configuration as Tenure keeps it (JSON): the
	// receiver-supplied fields and the transmitter-supplied ones.
	Config json.RawMessage
	// Status is "enabled", "paused" or "disabled"; Reason why it was set.
	Status    string
	Reason    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Streams holds the tenant's SSF streams and their subjects.
type Streams interface {
	// Create stores a stream; ErrConflict if its ID exists.
	Create(ctx context.Context, s Stream) error
	// Get returns one stream; ErrNotFound if absent.
	Get(ctx context.Context, id string) (Stream, error)
	// List returns every stream of the tenant, oldest first.
	List(ctx context.Context) ([]Stream, error)
	// Update replaces a stream by ID; ErrNotFound if absent.
	Update(ctx context.Context, s Stream) error
	// Delete removes a stream with its subjects and undelivered SETs;
	// ErrNotFound if absent.
	Delete(ctx context.Context, id string) error
	// AddSubject subscribes the stream to a subject, identified by key (a
	// normal form such as "email:ada@example.com"); adding one twice
	// replaces its data. ErrNotFound if the stream is absent.
	AddSubject(ctx context.Context, stream, key string, data json.RawMessage) error
	// RemoveSubject unsubscribes it; ErrNotFound if it was not subscribed.
	RemoveSubject(ctx context.Context, stream, key string) error
	// Subscribed returns the ids of the streams subscribed to any of keys,
	// sorted.
	Subscribed(ctx context.Context, keys []string) ([]string, error)
}

// SET is a signed Security Event Token waiting for its receiver: kept
// until a push receiver accepts it or a poll receiver acknowledges it, so
// nothing is lost while a receiver is down or a stream is paused.
type SET struct {
	Stream string
	// JTI is the token's unique id, unique within the stream.
	JTI string
	// Token is the compact JWS.
	Token string
	// PersonID is whom the event is about (empty for stream events).
	PersonID  string
	CreatedAt time.Time
}

// SETs is the tenant's outbox of undelivered Security Event Tokens.
type SETs interface {
	// Put stores tokens; ErrConflict if one's (stream, JTI) exists.
	Put(ctx context.Context, sets ...SET) error
	// Get returns one token; ErrNotFound if absent.
	Get(ctx context.Context, stream, jti string) (SET, error)
	// Pending returns up to limit (0: all) of a stream's tokens, oldest first.
	Pending(ctx context.Context, stream string, limit int) ([]SET, error)
	// Count returns how many tokens a stream has waiting.
	Count(ctx context.Context, stream string) (int, error)
	// Delete removes a stream's tokens by JTI (unknown ones are ignored)
	// and returns how many it removed.
	Delete(ctx context.Context, stream string, jtis ...string) (int, error)
}
