package ldap

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func validConfig() Config {
	return Config{
		URL: "ldaps://ldap.acme.example", BindDN: "cn=tenure,dc=acme,dc=example", BindPassword: "hunter2-secret",
		UserBaseDN: "ou=people,dc=acme,dc=example", GroupBaseDN: "ou=groups,dc=acme,dc=example",
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*Config)
		want   []string // substrings of the error; none: valid
	}{
		{"valid", func(*Config) {}, nil},
		{"ldap with starttls", func(c *Config) { c.URL = "ldap://ldap.acme.example:389"; c.StartTLS = true }, nil},
		{"plain ldap to this machine", func(c *Config) { c.URL = "ldap://127.0.0.1:389" }, nil},
		{"plain ldap elsewhere", func(c *Config) { c.URL = "ldap://ldap.acme.example:389" }, []string{"would send the bind password in clear"}},
		{"move mode", func(c *Config) { c.Disable = DisableConfig{Mode: DisableMove, BaseDN: "ou=gone,dc=acme,dc=example"} }, nil},
		{"empty", func(c *Config) { *c = Config{} }, []string{"url is empty", "bind_dn is empty", "bind password is empty (set bind_password_env or bind_password_file)", "user_base_dn is empty"}},
		{"http url", func(c *Config) { c.URL = "https://ldap.acme.example" }, []string{"scheme must be ldap or ldaps"}},
		{"credentials in url", func(c *Config) { c.URL = "ldap://u:hunter2-secret@ldap.acme.example" }, []string{"credentials belong in bind_dn"}},
		{"dn in url", func(c *Config) { c.URL = "ldap://ldap.acme.example/dc=acme" }, []string{"no DN, query or fragment"}},
		{"no host", func(c *Config) { c.URL = "ldap://" }, []string{"has no host"}},
		{"starttls on ldaps", func(c *Config) { c.StartTLS = true }, []string{"already TLS"}},
		{"ca file missing", func(c *Config) { c.CAFile = "/nonexistent/ca.pem" }, []string{"ca_file"}},
		{"bad dns", func(c *Config) { c.UserBaseDN = "people"; c.GroupBaseDN = "x"; c.BindDN = "==" },
			[]string{`user_base_dn "people" is not a DN`, `group_base_dn "x" is not a DN`, "bind_dn"}},
		{"bad filter", func(c *Config) { c.UserFilter = "(objectClass=person" }, []string{"user_filter"}},
		{"bad attribute", func(c *Config) { c.Attributes.Email = "ma il"; c.Attributes.Extra = map[string]string{"title": "t)"} },
			[]string{`attributes.email: "ma il"`, `attributes.extra.title: "t)"`}},
		{"rdn not mapped", func(c *Config) { c.RDNAttr = "ou" }, []string{`rdn_attr "ou"`}},
		{"group style", func(c *Config) { c.GroupStyle = "posixGroup" }, []string{`group_style "posixGroup"`}},
		{"disable mode", func(c *Config) { c.Disable.Mode = "nuke" }, []string{`disable.mode "nuke"`}},
		{"move without base", func(c *Config) { c.Disable.Mode = DisableMove }, []string{"disable.base_dn is empty"}},
		{"move to users base", func(c *Config) { c.Disable = DisableConfig{Mode: DisableMove, BaseDN: "OU=People,dc=acme,dc=example"} }, []string{"is the users base"}},
		{"base without move", func(c *Config) { c.Disable.BaseDN = "ou=gone,dc=acme,dc=example" }, []string{"not move"}},
		{"lock attr mapped", func(c *Config) { c.Disable.LockAttr = "mail" }, []string{"also mapped"}},
		{"negatives", func(c *Config) { c.Timeout = -time.Second; c.PageSize = -1 }, []string{"timeout -1s is negative", "page_size -1 is negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := validConfig()
			tt.change(&cfg)
			err := cfg.Validate()
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tt.want {
				require.Contains(t, err.Error(), w)
			}
			require.NotContains(t, err.Error(), "hunter2-secret")
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg := validConfig()
	s, err := cfg.settings()
	require.NoError(t, err)
	require.Equal(t, "(objectClass=inetOrgPerson)", s.UserFilter)
	require.Equal(t, AttributeMap{PersonID: "employeeNumber", Email: "mail", UserName: "uid", GivenName: "givenName",
		FamilyName: "sn", DisplayName: "displayName"}, s.Attributes)
	require.Equal(t, DisableLock, s.Disable.Mode)
	require.Equal(t, GroupOfNames, s.GroupStyle)
	require.Equal(t, DefaultTimeout, s.Timeout)
	require.Equal(t, DefaultPageSize, s.PageSize)
	require.Equal(t, "", cfg.Attributes.PersonID, "Validate does not change the caller's Config")
}

func TestConfigCAFileMustHoldCertificates(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(path, []byte("not a certificate"), 0o600))
	cfg := validConfig()
	cfg.CAFile = path
	require.ErrorContains(t, cfg.Validate(), "holds no PEM certificate")
}
