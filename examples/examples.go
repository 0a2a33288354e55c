// Package examples holds the demo data `tenure quickstart` runs on and the
// tests reuse: a day-1 roster of 20 people, a day-2 roster with a mover, a
// leaver, a future joiner and an email correction, a truncated export, and
// the accounts the apps report once day 1 has been provisioned.
package examples

import "embed"

// FS holds the example files.
//
//go:embed *.csv *.jsonl
var FS embed.FS
