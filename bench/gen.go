package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tenure-dev/tenure/examples"
	"github.com/tenure-dev/tenure/policy"
)

// Gen writes a synthetic tenure.yaml (tenant "synth", the synthetic policy
// of the given number of rules) and roster.csv of n people into dir, so the
// real CLI can be measured on them:
//
//	tenure bench gen --dir /tmp/synth
//	/usr/bin/time -v tenure --config /tmp/synth/tenure.yaml --data /tmp/synth/data hr import /tmp/synth/roster.csv
func Gen(dir string, n, rules int) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	doc, apps := examples.SynthPolicy(rules)
	var b strings.Builder
	b.WriteString("# Synthetic configuration written by `tenure bench gen`.\ntenants:\n  - id: synth\n")
	b.WriteString("    guard: {max_removals_percent: 100, max_removals: 1000000}\n    apps:\n")
	for i, a := range apps {
		tier := "standard"
		if i%2 == 0 {
			tier = "crown-jewel"
		}
		fmt.Fprintf(&b, "      - {id: %s, tier: %s, owner: it@synth.example, connector: {type: manual}}\n", a, tier)
	}
	b.WriteString("    roles:\n")
	for _, r := range doc.Roles {
		fmt.Fprintf(&b, "      - id: %s\n        grants:\n", r.ID)
		for _, g := range r.Grants {
			fmt.Fprintf(&b, "          - {app: %s, entitlement: %s}\n", g.App, g.Entitlement)
		}
	}
	b.WriteString("    birthright:\n")
	for _, r := range doc.Rules {
		fmt.Fprintf(&b, "      - name: %s\n        when: %q\n        roles: [%s]\n", r.Name, r.When, strings.Join(r.Roles, ", "))
	}
	if err := os.WriteFile(filepath.Join(dir, "tenure.yaml"), []byte(b.String()), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "roster.csv"), examples.SynthCSV(examples.SynthRoster(n, 1)), 0o600)
}

// policyEmpty is a policy granting everyone a github account: enough for
// the queue benchmark, where the plan is made by hand.
func policyEmpty() policy.Document {
	return policy.Document{
		Roles: []policy.Role{{ID: "base", Grants: []policy.RoleGrant{{App: "github"}}}},
		Rules: []policy.Rule{{Name: "everyone", When: "true", Roles: []string{"base"}}},
	}
}
