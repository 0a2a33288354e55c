package conformance

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/store"
)

// The store benchmarks every adapter runs, as the conformance tests are:
// the import target is 100,000 people in under 3 s on 2 cores, all of it
// (parsing, diffing, planning and these writes); these time the store's
// share. Each reports cpu-ms/op beside the wall time (see CPUClock); on a
// shared machine compare the best of a few runs.

// BenchPeople is a roster of n people shaped like a real export.
func BenchPeople(n int) []person.Person {
	start := time.Date(2021, 4, 1, 0, 0, 0, 0, time.UTC)
	ps := make([]person.Person, n)
	for i := range ps {
		id := fmt.Sprintf("E%06d", i)
		ps[i] = person.Person{
			ID: id, Email: id + "@example.com", GivenName: "Given" + id, FamilyName: "Family",
			DisplayName: "Given" + id + " Family", Department: fmt.Sprintf("Dept %d", i%40),
			Title: "Engineer", Location: "Berlin", ManagerID: fmt.Sprintf("E%06d", i/10),
			EmploymentType: "employee", StartDate: start.AddDate(0, 0, i%1000),
			Attributes: map[string]string{"costCenter": fmt.Sprintf("CC-%d", i%100)},
			Status:     person.Active,
		}
	}
	return ps
}

// BenchTenant creates a new tenant for one iteration, so every iteration
// inserts rather than updates.
func BenchTenant(b *testing.B, s store.Store, i int) string {
	b.Helper()
	id := fmt.Sprintf("bench-%d", i)
	require.NoError(b, s.CreateTenant(b.Context(), id))
	return id
}

// BenchPutPeople times Put of n new people in one transaction.
func BenchPutPeople(b *testing.B, s store.Store, roster int) {
	ps := BenchPeople(roster)
	var cpu CPUClock
	i := 0
	for b.Loop() {
		b.StopTimer()
		tenant := BenchTenant(b, s, i)
		i++
		b.StartTimer()
		cpu.Start()
		require.NoError(b, s.Write(b.Context(), tenant, func(tx store.Tx) error {
			return tx.People().Put(b.Context(), ps...)
		}))
		cpu.Stop()
	}
	cpu.Report(b)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*roster), "ns/person")
}

// BenchAppendAudit is the cost of one entry when an import appends one
// per person in a single transaction.
func BenchAppendAudit(b *testing.B, s store.Store) {
	tenant := BenchTenant(b, s, 0)
	data := audit.Data(map[string]string{"department": "Dept 7", "title": "Engineer"})
	var cpu CPUClock
	cpu.Start()
	defer func() { cpu.Stop(); cpu.Report(b) }()
	require.NoError(b, s.Write(b.Context(), tenant, func(tx store.Tx) error {
		for b.Loop() {
			if _, err := tx.Audit().Append(b.Context(), audit.Entry{
				Actor: "engine", Action: "person.join", Subject: "E000123", Data: data,
			}); err != nil {
				return err
			}
		}
		return nil
	}))
}

// BenchImport is the store's whole share of a first import of roster
// people: every person, a join event each and an audit entry each, in one
// transaction, committed.
func BenchImport(b *testing.B, s store.Store, roster int) {
	ps := BenchPeople(roster)
	now := time.Now()
	var cpu CPUClock
	i := 0
	for b.Loop() {
		b.StopTimer()
		tenant := BenchTenant(b, s, i)
		i++
		evs := make([]person.Event, len(ps))
		for j, p := range ps {
			evs[j] = person.Event{PersonID: p.ID, Kind: person.Join, EffectiveAt: p.StartDate,
				State: person.Applied, Source: "import bench.csv", CreatedAt: now}
		}
		b.StartTimer()
		cpu.Start()
		require.NoError(b, s.Write(b.Context(), tenant, func(tx store.Tx) error {
			ctx := b.Context()
			if err := tx.People().Put(ctx, ps...); err != nil {
				return err
			}
			if err := tx.Events().Append(ctx, evs); err != nil {
				return err
			}
			for _, ev := range evs {
				if _, err := tx.Audit().Append(ctx, audit.Entry{
					At: now, Actor: "cli:root", Action: "person.join", Subject: ev.PersonID,
					Data: audit.Data(map[string]any{"event": ev.ID}),
				}); err != nil {
					return err
				}
			}
			return nil
		}))
		cpu.Stop()
	}
	cpu.Report(b)
}

// BenchListPeople times listing a roster of n people.
func BenchListPeople(b *testing.B, s store.Store, roster int) {
	tenant := BenchTenant(b, s, 0)
	require.NoError(b, s.Write(b.Context(), tenant, func(tx store.Tx) error {
		return tx.People().Put(b.Context(), BenchPeople(roster)...)
	}))
	var cpu CPUClock
	for b.Loop() {
		cpu.Start()
		require.NoError(b, s.Read(b.Context(), tenant, func(tx store.Tx) error {
			ps, err := tx.People().List(b.Context())
			if err == nil && len(ps) != roster {
				err = fmt.Errorf("listed %d people, want %d", len(ps), roster)
			}
			return err
		}))
		cpu.Stop()
	}
	cpu.Report(b)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*roster), "ns/person")
}
