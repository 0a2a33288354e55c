package ldap_test

import (
	"context"
	"fmt"
	"os"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/ldap"
)

// A directory where leavers move to ou=disabled and groups are
// groupOfUniqueNames. The password comes from the environment (the CLI
// reads bind_password_env or bind_password_file); it is never in the
// configuration.
func ExampleNew() {
	ctx := context.Background()
	c, err := ldap.New(ctx, ldap.Config{
		URL:          "ldaps://ldap.acme.example",
		CAFile:       "/etc/tenure/ldap-ca.pem",
		BindDN:       "cn=tenure,ou=services,dc=acme,dc=example",
		BindPassword: os.Getenv("LDAP_BIND_PASSWORD"),
		UserBaseDN:   "ou=people,dc=acme,dc=example",
		GroupBaseDN:  "ou=groups,dc=acme,dc=example",
		GroupStyle:   ldap.GroupOfUniqueNames,
		Disable:      ldap.DisableConfig{Mode: ldap.DisableMove, BaseDN: "ou=disabled,dc=acme,dc=example"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	ann := connector.Subject{PersonID: "E1001", UserName: "ann", Email: "ann@acme.example", GivenName: "Ann", FamilyName: "Lee"}
	if _, err := c.Ensure(ctx, ann); err != nil {
		class, _ := connector.Classify(err)
		fmt.Println(class, err)
	}
}

// Validate reports every problem at once, naming the configuration keys.
func ExampleConfig_Validate() {
	cfg := ldap.Config{
		URL:        "ldaps://ldap.acme.example",
		StartTLS:   true,
		BindDN:     "cn=tenure,dc=acme,dc=example",
		UserBaseDN: "people",
		Disable:    ldap.DisableConfig{Mode: ldap.DisableMove},
	}
	fmt.Println(cfg.Validate())
	// Output:
	// ldap connector config: start_tls with an ldaps:// url: the connection is already TLS
	// bind password is empty (set bind_password_env or bind_password_file)
	// user_base_dn "people" is not a DN
	// disable.base_dn is empty
}
