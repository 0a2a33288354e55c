package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/postgres"
)

// The same benchmarks as store/sqlite's, against PostgreSQL (set
// TENURE_TEST_POSTGRES_URL). cpu-ms/op counts this process only: the
// server's work shows in the wall time:
//
//	go test ./store/postgres -run XXX -bench . -benchtime 5x
//	go test ./store/postgres -run XXX -bench AppendAudit -benchtime 200000x
//
// Each reports cpu-ms/op beside the wall time (see cpuClock). On a shared
// machine compare the best of a few runs.
const roster = 100_000

// benchPeople is a roster of n people shaped like a real export.
func benchPeople(n int) []person.Person {
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

// benchTenant creates a new tenant for one iteration, so every iteration
// inserts rather than updates.
func benchTenant(b *testing.B, s *postgres.Store, i int) string {
	b.Helper()
	id := fmt.Sprintf("bench-%d", i)
	require.NoError(b, s.CreateTenant(b.Context(), id))
	return id
}

func BenchmarkPutPeople100k(b *testing.B) {
	s := open(b)
	ps := benchPeople(roster)
	var cpu cpuClock
	i := 0
	for b.Loop() {
		b.StopTimer()
		tenant := benchTenant(b, s, i)
		i++
		b.StartTimer()
		cpu.start()
		require.NoError(b, s.Write(b.Context(), tenant, func(tx store.Tx) error {
			return tx.People().Put(b.Context(), ps...)
		}))
		cpu.stop()
	}
	cpu.report(b)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*roster), "ns/person")
}

// BenchmarkReplacePeople100k puts the roster again over itself, every
// person changed: the upsert path, where BenchmarkPutPeople100k (a new
// tenant each time) copies.
func BenchmarkReplacePeople100k(b *testing.B) {
	s := open(b)
	ps := benchPeople(roster)
	tenant := benchTenant(b, s, 0)
	require.NoError(b, s.Write(b.Context(), tenant, func(tx store.Tx) error {
		return tx.People().Put(b.Context(), ps...)
	}))
	var cpu cpuClock
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		for j := range ps {
			ps[j].Title = fmt.Sprint("Engineer ", i)
		}
		b.StartTimer()
		cpu.start()
		require.NoError(b, s.Write(b.Context(), tenant, func(tx store.Tx) error {
			return tx.People().Put(b.Context(), ps...)
		}))
		cpu.stop()
	}
	cpu.report(b)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*roster), "ns/person")
}

// BenchmarkAppendAudit is the cost of one entry when an import appends one
// per person in a single transaction.
func BenchmarkAppendAudit(b *testing.B) {
	s := open(b)
	tenant := benchTenant(b, s, 0)
	data := audit.Data(map[string]string{"department": "Dept 7", "title": "Engineer"})
	var cpu cpuClock
	cpu.start()
	defer func() { cpu.stop(); cpu.report(b) }()
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

// BenchmarkImport100k is the store's whole share of a first import of
// 100,000 people: every person, a join event each and an audit entry each,
// in one transaction, committed.
func BenchmarkImport100k(b *testing.B) {
	s := open(b)
	ps := benchPeople(roster)
	now := time.Now()
	var cpu cpuClock
	i := 0
	for b.Loop() {
		b.StopTimer()
		tenant := benchTenant(b, s, i)
		i++
		evs := make([]person.Event, len(ps))
		for j, p := range ps {
			evs[j] = person.Event{PersonID: p.ID, Kind: person.Join, EffectiveAt: p.StartDate,
				State: person.Applied, Source: "import bench.csv", CreatedAt: now}
		}
		b.StartTimer()
		cpu.start()
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
		cpu.stop()
	}
	cpu.report(b)
}

func BenchmarkListPeople100k(b *testing.B) {
	s := open(b)
	tenant := benchTenant(b, s, 0)
	require.NoError(b, s.Write(b.Context(), tenant, func(tx store.Tx) error {
		return tx.People().Put(b.Context(), benchPeople(roster)...)
	}))
	var cpu cpuClock
	for b.Loop() {
		cpu.start()
		require.NoError(b, s.Read(b.Context(), tenant, func(tx store.Tx) error {
			ps, err := tx.People().List(b.Context())
			if err == nil && len(ps) != roster {
				err = fmt.Errorf("listed %d people, want %d", len(ps), roster)
			}
			return err
		}))
		cpu.stop()
	}
	cpu.report(b)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*roster), "ns/person")
}
