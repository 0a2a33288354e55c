package audit

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func chain(n int) []Entry {
	var out []Entry
	seq, prev := int64(0), Genesis
	for i := range n {
		e := Seal(Entry{Tenant: "acme", At: time.Unix(int64(1_800_000_000+i), 123456789), Actor: "cli", Action: "person.join",
			Subject: "E" + string(rune('0'+i)), Data: Data(map[string]int{"i": i})}, seq, prev)
		seq, prev = e.Seq, e.Hash
		out = append(out, e)
	}
	return out
}

func verify(es []Entry, headSeq int64, headHash string) error {
	v := NewVerifier("acme")
	for _, e := range es {
		if err := v.Next(e); err != nil {
			return err
		}
	}
	return v.Finish(headSeq, headHash)
}

func TestVerifyNamesFirstBadEntry(t *testing.T) {
	t.Parallel()
	good := chain(5)
	head := good[4]
	require.NoError(t, verify(good, head.Seq, head.Hash))

	tests := []struct {
		name    string
		mutate  func([]Entry) []Entry
		wantSeq int64
	}{
		{"altered data", func(es []Entry) []Entry { es[2].Data = Data(map[string]int{"i": 99}); return es }, 3},
		{"altered actor", func(es []Entry) []Entry { es[1].Actor = "mallory"; return es }, 2},
		{"removed row", func(es []Entry) []Entry { return append(es[:2], es[3:]...) }, 3},
		{"inserted row", func(es []Entry) []Entry {
			fake := es[1]
			fake.Subject = "E9"
			return append(es[:2], append([]Entry{fake}, es[2:]...)...)
		}, 2},
		{"removed last row", func(es []Entry) []Entry { return es[:4] }, 5},
		{"rehashed altered row breaks the next link", func(es []Entry) []Entry {
			es[1].Subject = "X"
			es[1].Hash = Hash(es[1])
			return es
		}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			es := tt.mutate(chain(5))
			err := verify(es, head.Seq, head.Hash)
			var be *BrokenError
			require.True(t, errors.As(err, &be), "got %v", err)
			require.ErrorIs(t, err, ErrBroken)
			require.Equal(t, tt.wantSeq, be.Seq, err.Error())
		})
	}
}

// The hash format is a stored contract: entries written by earlier builds
// must still verify. This pins it to a known value.
func TestHashIsStable(t *testing.T) {
	t.Parallel()
	e := Entry{Tenant: "acme", Seq: 1, At: time.Date(2026, 11, 22, 12, 0, 0, 5000, time.UTC), Actor: "cli",
		Action: "tenant.created", Subject: "acme", Data: []byte(`{"a":1}`), PrevHash: Genesis}
	// sha256 of "64:000…0;4:acme;1:1;27:2026-11-22T12:00:00.000005Z;3:cli;14:tenant.created;4:acme;7:{\"a\":1};"
	require.Equal(t, "eb9a5b229dbd523d6ffd81060222c10d", Hash(e)[:32])
}
