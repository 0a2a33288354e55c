package sqlite_test

import (
	"testing"

	"github.com/tenure-dev/tenure/store/conformance"
)

// The store's share of a 100,000-person import, timed by the benchmarks
// every adapter shares (store/conformance/bench.go):
//
//	go test ./store/sqlite -run XXX -bench . -benchtime 5x
//	go test ./store/sqlite -run XXX -bench AppendAudit -benchtime 200000x
const roster = 100_000

func BenchmarkPutPeople100k(b *testing.B)  { conformance.BenchPutPeople(b, open(b), roster) }
func BenchmarkAppendAudit(b *testing.B)    { conformance.BenchAppendAudit(b, open(b)) }
func BenchmarkImport100k(b *testing.B)     { conformance.BenchImport(b, open(b), roster) }
func BenchmarkListPeople100k(b *testing.B) { conformance.BenchListPeople(b, open(b), roster) }
