package config_test

import (
	"fmt"

	"github.com/tenure-dev/tenure/config"
)

// Every problem comes at once, one per line, with where it was written.
func ExampleParse() {
	_, err := config.Parse([]byte(`tenants:
  - id: acme
    apps:
      - id: github
        tier: gold
        owner: it-ops@acme.example
        connector: {type: scim, url: "https://api.github.com/scim/v2", token: ghp_123}
`), "tenure.yaml")
	fmt.Println(err)

	for _, p := range config.Problems(err) {
		fmt.Printf("line %d, column %d: %s\n", p.Line, p.Column, p.Path)
	}
	// Output:
	// tenure.yaml:5:15: tenants[0].apps[0].tier: unknown tier "gold" (known: crown-jewel, standard)
	// tenure.yaml:7:20: tenants[0].apps[0].connector.token_env: required for scim: the environment variable holding the bearer token (or set token_file)
	// tenure.yaml:7:72: tenants[0].apps[0].connector.token: unknown key "token" in connector: secrets are given by reference: use token_env or token_file
	// line 5, column 15: tenants[0].apps[0].tier
	// line 7, column 20: tenants[0].apps[0].connector.token_env
	// line 7, column 72: tenants[0].apps[0].connector.token
}

func ExampleFile_Tenant() {
	f, err := config.Parse(config.Example(), "tenure.yaml")
	if err != nil {
		panic(err)
	}
	acme, _ := f.Tenant("acme")
	slack, _ := acme.App("slack")
	fmt.Println(slack.Title(), slack.Tier, slack.OnLeave, slack.DeleteAfter, acme.Tiers[slack.Tier].LeaverDeadline)
	// Output: Slack standard delete 30d 1d
}
