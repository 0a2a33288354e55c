package postgres_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/conformance"
)

// The store's share of a 100,000-person import, timed by the benchmarks
// every adapter shares (store/conformance/bench.go):
//
//	go test ./store/postgres -run XXX -bench . -benchtime 5x
//	go test ./store/postgres -run XXX -bench AppendAudit -benchtime 200000x
const roster = 100_000

func BenchmarkPutPeople100k(b *testing.B)  { conformance.BenchPutPeople(b, open(b), roster) }
func BenchmarkAppendAudit(b *testing.B)    { conformance.BenchAppendAudit(b, open(b)) }
func BenchmarkImport100k(b *testing.B)     { conformance.BenchImport(b, open(b), roster) }
func BenchmarkListPeople100k(b *testing.B) { conformance.BenchListPeople(b, open(b), roster) }

func BenchmarkReplacePeople100k(b *testing.B) {
	s := open(b)
	ps := conformance.BenchPeople(roster)
	tenant := conformance.BenchTenant(b, s, 0)
	require.NoError(b, s.Write(b.Context(), tenant, func(tx store.Tx) error {
		return tx.People().Put(b.Context(), ps...)
	}))
	var cpu conformance.CPUClock
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		for j := range ps {
			ps[j].Title = fmt.Sprint("Engineer ", i)
		}
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
