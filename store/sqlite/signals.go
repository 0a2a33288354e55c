package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

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
	_, err := k.tx.exec(ctx, `INSERT INTO signing_keys (tenant, id, alg, public, sealed, created_at, retired_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, k.tx.key, sk.ID, sk.Alg, string(sk.Public), sk.Sealed,
		unixNanos(sk.CreatedAt), unixNanos(sk.RetiredAt))
	return translate(err, "create signing key %q", sk.ID)
}

func (k signingKeys) List(ctx context.Context) ([]store.SigningKey, error) {
	rows, err := k.tx.query(ctx, `SELECT id, alg, public, sealed, created_at, retired_at FROM signing_keys
		WHERE tenant = ? ORDER BY created_at, id`, k.tx.key)
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
	ok, err := k.tx.execAffected(ctx, `UPDATE signing_keys SET retired_at = ? WHERE tenant = ? AND id = ?`,
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
	ok, err := k.tx.execAffected(ctx, `DELETE FROM signing_keys WHERE tenant = ? AND id = ?`, k.tx.key, id)
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
	_, err := s.tx.exec(ctx, `INSERT INTO ssf_streams (tenant, `+streamCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		s.tx.key, st.ID, st.Owner, string(st.Config), st.Status, st.Reason, unixNanos(st.CreatedAt), unixNanos(st.UpdatedAt))
	return translate(err, "create stream %q", st.ID)
}

func (s streams) Get(ctx context.Context, id string) (store.Stream, error) {
	rows, err := s.tx.query(ctx, `SELECT `+streamCols+` FROM ssf_streams WHERE tenant = ? AND id = ?`, s.tx.key, id)
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
	rows, err := s.tx.query(ctx, `SELECT `+streamCols+` FROM ssf_streams WHERE tenant = ? ORDER BY created_at, id`, s.tx.key)
	if err != nil {
		return nil, fmt.Errorf("list streams: %w", err)
	}
	out, err := scanStreams(rows)
	if err != nil {
		return nil, fmt.Errorf("list streams: %w", err)
	}
	return out, nil
}

func scanStreams(rows *sql.Rows) ([]store.Stream, error) {
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
	ok, err := s.tx.execAffected(ctx, `UPDATE ssf_streams SET owner = ?, config = ?, status = ?, reason = ?,
		created_at = ?, updated_at = ? WHERE tenant = ? AND id = ?`, st.Owner, string(st.Config), st.Status, st.Reason,
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
	ok, err := s.tx.execAffected(ctx, `DELETE FROM ssf_streams WHERE tenant = ? AND id = ?`, s.tx.key, id)
	switch {
	case err != nil:
		return fmt.Errorf("delete stream %q: %w", id, err)
	case !ok:
		return notFound("stream %q", id)
	}
	for _, q := range []string{`DELETE FROM ssf_subjects WHERE tenant = ? AND stream = ?`, `DELETE FROM ssf_sets WHERE tenant = ? AND stream = ?`} {
		if _, err := s.tx.exec(ctx, q, s.tx.key, id); err != nil {
			return fmt.Errorf("delete stream %q: %w", id, err)
		}
	}
	return nil
}

func (s streams) exists(ctx context.Context, id string) error {
	var one int
	err := s.tx.queryRow(ctx, `SELECT 1 FROM ssf_streams WHERE tenant = ? AND id = ?`, s.tx.key, id).Scan(&one)
	return translate(err, "stream %q", id)
}

func (s streams) AddSubject(ctx context.Context, stream, key string, data json.RawMessage) error {
	if err := s.tx.writable("add subject"); err != nil {
		return err
	}
	if err := s.exists(ctx, stream); err != nil {
		return err
	}
	_, err := s.tx.exec(ctx, `INSERT INTO ssf_subjects (tenant, stream, key, data) VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant, stream, key) DO UPDATE SET data = excluded.data`, s.tx.key, stream, key, string(data))
	return translate(err, "stream %q: add subject", stream)
}

func (s streams) RemoveSubject(ctx context.Context, stream, key string) error {
	if err := s.tx.writable("remove subject"); err != nil {
		return err
	}
	ok, err := s.tx.execAffected(ctx, `DELETE FROM ssf_subjects WHERE tenant = ? AND stream = ? AND key = ?`, s.tx.key, stream, key)
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
	args := make([]any, 0, len(keys)+1)
	args = append(args, s.tx.key)
	for _, k := range keys {
		args = append(args, k)
	}
	q := `SELECT DISTINCT stream FROM ssf_subjects WHERE tenant = ? AND key IN (?` + strings.Repeat(", ?", len(keys)-1) + `) ORDER BY stream`
	rows, err := s.tx.query(ctx, q, args...)
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
		_, err := s.tx.exec(ctx, `INSERT INTO ssf_sets (tenant, stream, jti, token, person_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			s.tx.key, e.Stream, e.JTI, e.Token, e.PersonID, unixNanos(e.CreatedAt))
		if err != nil {
			return translate(err, "store SET %q of stream %q", e.JTI, e.Stream)
		}
	}
	return nil
}

const setCols = `stream, jti, token, person_id, created_at`

func (s sets) Get(ctx context.Context, stream, jti string) (store.SET, error) {
	rows, err := s.tx.query(ctx, `SELECT `+setCols+` FROM ssf_sets WHERE tenant = ? AND stream = ? AND jti = ?`, s.tx.key, stream, jti)
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
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.tx.query(ctx, `SELECT `+setCols+` FROM ssf_sets WHERE tenant = ? AND stream = ? ORDER BY seq LIMIT ?`, s.tx.key, stream, limit)
	if err != nil {
		return nil, fmt.Errorf("pending SETs of %q: %w", stream, err)
	}
	out, err := scanSETs(rows)
	if err != nil {
		return nil, fmt.Errorf("pending SETs of %q: %w", stream, err)
	}
	return out, nil
}

func scanSETs(rows *sql.Rows) ([]store.SET, error) {
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
	err := s.tx.queryRow(ctx, `SELECT count(*) FROM ssf_sets WHERE tenant = ? AND stream = ?`, s.tx.key, stream).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count SETs of %q: %w", stream, err)
	}
	return n, nil
}

func (s sets) Delete(ctx context.Context, stream string, jtis ...string) (int, error) {
	if err := s.tx.writable("delete SETs"); err != nil {
		return 0, err
	}
	n := 0
	for _, j := range jtis {
		ok, err := s.tx.execAffected(ctx, `DELETE FROM ssf_sets WHERE tenant = ? AND stream = ? AND jti = ?`, s.tx.key, stream, j)
		if err != nil {
			return n, fmt.Errorf("delete SET %q: %w", j, err)
		}
		if ok {
			n++
		}
	}
	return n, nil
}

var (
	_ store.SigningKeys = signingKeys{}
	_ store.Streams     = streams{}
	_ store.SETs        = sets{}
)
