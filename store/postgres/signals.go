package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenure-dev/tenure/store"
)

// SigningKeys holds the tenant's signing keys.
func (tx *Tx) SigningKeys() store.SigningKeys { return signingKeys{tx} }

// Streams holds the tenant's SSF streams.
func (tx *Tx) Streams() store.Streams { return streams{tx} }

// SETs is the tenant's outbox of undelivered SETs.
func (tx *Tx) SETs() store.SETs { return sets{tx} }

// unixNanos stores a time as Unix nanoseconds, 0 for the zero time.
func unixNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNanos reads what unixNanos wrote, in UTC.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

type signingKeys struct{ tx *Tx }

func (k signingKeys) Create(ctx context.Context, sk store.SigningKey) error {
	if err := k.tx.writable("create signing key"); err != nil {
		return err
	}
	sealed := sk.Sealed
	if sealed == nil {
		sealed = []byte{}
	}
	ok, err := k.tx.execAffected(ctx, `INSERT INTO signing_keys (tenant, id, alg, public, sealed, created_at, retired_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`, k.tx.key, sk.ID, sk.Alg, string(sk.Public), sealed,
		unixNanos(sk.CreatedAt), unixNanos(sk.RetiredAt))
	switch {
	case err != nil:
		return translate(err, "create signing key %q", sk.ID)
	case !ok:
		return conflict("create signing key %q", sk.ID)
	}
	return nil
}

func (k signingKeys) List(ctx context.Context) ([]store.SigningKey, error) {
	rows, err := k.tx.tx.Query(ctx, `SELECT id, alg, public, sealed, created_at, retired_at FROM signing_keys
		WHERE tenant = $1 ORDER BY created_at, id`, k.tx.key)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	defer rows.Close()
	var out []store.SigningKey
	for rows.Next() {
		var sk store.SigningKey
		var pub string
		var created, retired int64
		if err := rows.Scan(&sk.ID, &sk.Alg, &pub, &sk.Sealed, &created, &retired); err != nil {
			return nil, fmt.Errorf("list signing keys: %w", err)
		}
		sk.Public = json.RawMessage(pub)
		sk.CreatedAt, sk.RetiredAt = fromNanos(created), fromNanos(retired)
		out = append(out, sk)
	}
	return out, rows.Err()
}

func (k signingKeys) Retire(ctx context.Context, id string, at time.Time) error {
	if err := k.tx.writable("retire signing key"); err != nil {
		return err
	}
	ok, err := k.tx.execAffected(ctx, `UPDATE signing_keys SET retired_at = $1 WHERE tenant = $2 AND id = $3`,
		unixNanos(at), k.tx.key, id)
	switch {
	case err != nil:
		return fmt.Errorf("retire signing key %q: %w", id, err)
	case !ok:
		return notFound("signing key %q", id)
	}
	return nil
}

func (k signingKeys) Delete(ctx context.Context, id string) error {
	if err := k.tx.writable("delete signing key"); err != nil {
		return err
	}
	ok, err := k.tx.execAffected(ctx, `DELETE FROM signing_keys WHERE tenant = $1 AND id = $2`, k.tx.key, id)
	switch {
	case err != nil:
		return fmt.Errorf("delete signing key %q: %w", id, err)
	case !ok:
		return notFound("signing key %q", id)
	}
	return nil
}

type streams struct{ tx *Tx }

const streamCols = `id, owner, config, status, reason, created_at, updated_at`

func (s streams) Create(ctx context.Context, st store.Stream) error {
	if err := s.tx.writable("create stream"); err != nil {
		return err
	}
	ok, err := s.tx.execAffected(ctx, `INSERT INTO ssf_streams (tenant, `+streamCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
		s.tx.key, st.ID, st.Owner, string(st.Config), st.Status, st.Reason, unixNanos(st.CreatedAt), unixNanos(st.UpdatedAt))
	switch {
	case err != nil:
		return translate(err, "create stream %q", st.ID)
	case !ok:
		return conflict("create stream %q", st.ID)
	}
	return nil
}

func (s streams) Get(ctx context.Context, id string) (store.Stream, error) {
	rows, err := s.tx.tx.Query(ctx, `SELECT `+streamCols+` FROM ssf_streams WHERE tenant = $1 AND id = $2`, s.tx.key, id)
	if err != nil {
		return store.Stream{}, fmt.Errorf("stream %q: %w", id, err)
	}
	out, err := scanStreams(rows)
	if err != nil {
		return store.Stream{}, fmt.Errorf("stream %q: %w", id, err)
	}
	if len(out) == 0 {
		return store.Stream{}, notFound("stream %q", id)
	}
	return out[0], nil
}

func (s streams) List(ctx context.Context) ([]store.Stream, error) {
	rows, err := s.tx.tx.Query(ctx, `SELECT `+streamCols+` FROM ssf_streams WHERE tenant = $1 ORDER BY created_at, id`, s.tx.key)
	if err != nil {
		return nil, fmt.Errorf("list streams: %w", err)
	}
	out, err := scanStreams(rows)
	if err != nil {
		return nil, fmt.Errorf("list streams: %w", err)
	}
	return out, nil
}

func scanStreams(rows pgx.Rows) ([]store.Stream, error) {
	defer rows.Close()
	var out []store.Stream
	for rows.Next() {
		var st store.Stream
		var cfg string
		var created, updated int64
		if err := rows.Scan(&st.ID, &st.Owner, &cfg, &st.Status, &st.Reason, &created, &updated); err != nil {
			return nil, err
		}
		st.Config = json.RawMessage(cfg)
		st.CreatedAt, st.UpdatedAt = fromNanos(created), fromNanos(updated)
		out = append(out, st)
	}
	return out, rows.Err()
}

func (s streams) Update(ctx context.Context, st store.Stream) error {
	if err := s.tx.writable("update stream"); err != nil {
		return err
	}
	ok, err := s.tx.execAffected(ctx, `UPDATE ssf_streams SET owner = $1, config = $2, status = $3, reason = $4,
		created_at = $5, updated_at = $6 WHERE tenant = $7 AND id = $8`, st.Owner, string(st.Config), st.Status, st.Reason,
		unixNanos(st.CreatedAt), unixNanos(st.UpdatedAt), s.tx.key, st.ID)
	switch {
	case err != nil:
		return fmt.Errorf("update stream %q: %w", st.ID, err)
	case !ok:
		return notFound("stream %q", st.ID)
	}
	return nil
}

func (s streams) Delete(ctx context.Context, id string) error {
	if err := s.tx.writable("delete stream"); err != nil {
		return err
	}
	ok, err := s.tx.execAffected(ctx, `DELETE FROM ssf_streams WHERE tenant = $1 AND id = $2`, s.tx.key, id)
	switch {
	case err != nil:
		return fmt.Errorf("delete stream %q: %w", id, err)
	case !ok:
		return notFound("stream %q", id)
	}
	for _, q := range []string{`DELETE FROM ssf_subjects WHERE tenant = $1 AND stream = $2`, `DELETE FROM ssf_sets WHERE tenant = $1 AND stream = $2`} {
		if _, err := s.tx.tx.Exec(ctx, q, s.tx.key, id); err != nil {
			return fmt.Errorf("delete stream %q: %w", id, err)
		}
	}
	return nil
}

func (s streams) AddSubject(ctx context.Context, stream, key string, data json.RawMessage) error {
	if err := s.tx.writable("add subject"); err != nil {
		return err
	}
	ok, err := s.tx.execAffected(ctx, `INSERT INTO ssf_subjects (tenant, stream, key, data)
		SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM ssf_streams WHERE tenant = $1 AND id = $2)
		ON CONFLICT (tenant, stream, key) DO UPDATE SET data = excluded.data`, s.tx.key, stream, key, string(data))
	switch {
	case err != nil:
		return translate(err, "stream %q: add subject", stream)
	case !ok:
		return notFound("stream %q", stream)
	}
	return nil
}

func (s streams) RemoveSubject(ctx context.Context, stream, key string) error {
	if err := s.tx.writable("remove subject"); err != nil {
		return err
	}
	ok, err := s.tx.execAffected(ctx, `DELETE FROM ssf_subjects WHERE tenant = $1 AND stream = $2 AND key = $3`, s.tx.key, stream, key)
	switch {
	case err != nil:
		return fmt.Errorf("stream %q: remove subject: %w", stream, err)
	case !ok:
		return notFound("stream %q: subject", stream)
	}
	return nil
}

func (s streams) Subscribed(ctx context.Context, keys []string) ([]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	rows, err := s.tx.tx.Query(ctx, `SELECT DISTINCT stream FROM ssf_subjects WHERE tenant = $1 AND key = ANY($2) ORDER BY stream`,
		s.tx.key, keys)
	if err != nil {
		return nil, fmt.Errorf("subscribed streams: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("subscribed streams: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

type sets struct{ tx *Tx }

func (s sets) Put(ctx context.Context, list ...store.SET) error {
	if err := s.tx.writable("store SETs"); err != nil {
		return err
	}
	for _, e := range list {
		ok, err := s.tx.execAffected(ctx, `INSERT INTO ssf_sets (tenant, stream, jti, token, person_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
			s.tx.key, e.Stream, e.JTI, e.Token, e.PersonID, unixNanos(e.CreatedAt))
		switch {
		case err != nil:
			return translate(err, "store SET %q of stream %q", e.JTI, e.Stream)
		case !ok:
			return conflict("store SET %q of stream %q", e.JTI, e.Stream)
		}
	}
	return nil
}

const setCols = `stream, jti, token, person_id, created_at`

func (s sets) Get(ctx context.Context, stream, jti string) (store.SET, error) {
	rows, err := s.tx.tx.Query(ctx, `SELECT `+setCols+` FROM ssf_sets WHERE tenant = $1 AND stream = $2 AND jti = $3`, s.tx.key, stream, jti)
	if err != nil {
		return store.SET{}, fmt.Errorf("SET %q: %w", jti, err)
	}
	out, err := scanSETs(rows)
	if err != nil {
		return store.SET{}, fmt.Errorf("SET %q: %w", jti, err)
	}
	if len(out) == 0 {
		return store.SET{}, notFound("SET %q of stream %q", jti, stream)
	}
	return out[0], nil
}

func (s sets) Pending(ctx context.Context, stream string, limit int) ([]store.SET, error) {
	var lim any
	if limit > 0 {
		lim = limit
	}
	rows, err := s.tx.tx.Query(ctx, `SELECT `+setCols+` FROM ssf_sets WHERE tenant = $1 AND stream = $2 ORDER BY seq LIMIT $3`, s.tx.key, stream, lim)
	if err != nil {
		return nil, fmt.Errorf("pending SETs of %q: %w", stream, err)
	}
	out, err := scanSETs(rows)
	if err != nil {
		return nil, fmt.Errorf("pending SETs of %q: %w", stream, err)
	}
	return out, nil
}

func scanSETs(rows pgx.Rows) ([]store.SET, error) {
	defer rows.Close()
	var out []store.SET
	for rows.Next() {
		var e store.SET
		var created int64
		if err := rows.Scan(&e.Stream, &e.JTI, &e.Token, &e.PersonID, &created); err != nil {
			return nil, err
		}
		e.CreatedAt = fromNanos(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s sets) Count(ctx context.Context, stream string) (int, error) {
	var n int
	err := s.tx.tx.QueryRow(ctx, `SELECT count(*) FROM ssf_sets WHERE tenant = $1 AND stream = $2`, s.tx.key, stream).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count SETs of %q: %w", stream, err)
	}
	return n, nil
}

func (s sets) Delete(ctx context.Context, stream string, jtis ...string) (int, error) {
	if err := s.tx.writable("delete SETs"); err != nil {
		return 0, err
	}
	if len(jtis) == 0 {
		return 0, nil
	}
	tag, err := s.tx.tx.Exec(ctx, `DELETE FROM ssf_sets WHERE tenant = $1 AND stream = $2 AND jti = ANY($3)`, s.tx.key, stream, jtis)
	if err != nil {
		return 0, fmt.Errorf("delete SETs of %q: %w", stream, err)
	}
	return int(tag.RowsAffected()), nil
}

var (
	_ store.SigningKeys = signingKeys{}
	_ store.Streams     = streams{}
	_ store.SETs        = sets{}
)
