package config

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, that a file Parse
// accepts also passes Validate, and that every rejection is a list of
// problems placed inside the file.
func FuzzParse(f *testing.F) {
	f.Add(Example())
	f.Add([]byte(minimal))
	f.Add([]byte(""))
	f.Add([]byte("tenants: []\n---\ntenants: []\n"))
	f.Add([]byte("tenants:\n\t- id: acme\n"))
	f.Add([]byte("tenants: [{id: a, id: b}]\n"))
	f.Add([]byte("tenants: [{id: a, tiers: {x: {leaver_deadline: 2w}}, apps: [{id: b, tier: x, owner: a@b.c, connector: {type: manual}}]}]\n"))
	f.Add([]byte("a: &a [*a]\n"))
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "fuzz.yaml")
		if err == nil {
			if verr := cfg.Validate(); verr != nil {
				t.Fatalf("Parse accepted a file Validate rejects: %v", verr)
			}
			return
		}
		probs := Problems(err)
		if len(probs) == 0 {
			t.Fatalf("Parse error holds no problem: %v", err)
		}
		// Line breaks as YAML counts them: \n, \r and, in yaml.v3, also
		// NEL, LS and PS; a problem may sit just past the last line.
		lines := 1 + bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) +
			bytes.Count(data, []byte("\u0085")) + bytes.Count(data, []byte("\u2028")) + bytes.Count(data, []byte("\u2029"))
		for _, p := range probs {
			if p.File != "fuzz.yaml" || p.Line < 1 || p.Line > lines+1 || p.Column < 1 || p.Msg == "" {
				t.Fatalf("badly placed problem %+v in %d lines", p, lines)
			}
		}
	})
}
