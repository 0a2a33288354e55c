package correlate_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/correlate"
	"github.com/tenure-dev/tenure/person"
)

var roster = []person.Person{
	{ID: "E1", Email: "ada@example.com"},
	{ID: "E2", Email: "bob@example.com"},
	{ID: "E3", Email: "Twin@example.com"},
	{ID: "E4", Email: "twin@example.com"},
	{ID: "E5", Email: "eve@example.com", Attributes: map[string]string{"login": "eve5"}},
}

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		rules      []string
		acc        account.Account
		want       string
		rule       string
		candidates []string
	}{
		{"externalId first", nil, account.Account{PersonID: "E1", UserName: "bob@example.com"}, "E1", "externalId == person.employeeId", nil},
		{"then userName, any case", nil, account.Account{UserName: "BOB@example.com"}, "E2", "userName == person.email", nil},
		{"unknown externalId falls through", nil, account.Account{PersonID: "X9", UserName: "ada@example.com"}, "E1", "userName == person.email", nil},
		{"orphan", nil, account.Account{PersonID: "X9", UserName: "zed@example.com"}, "", "", nil},
		{"ambiguous is reported, not guessed", nil, account.Account{UserName: "twin@example.com"}, "", "userName == person.email", []string{"E3", "E4"}},
		{"email attribute", []string{"email == person.email"}, account.Account{Attributes: map[string]string{"email": "eve@example.com"}}, "E5", "email == person.email", nil},
		{"person attribute", []string{"userName == person.attributes.login"}, account.Account{UserName: "eve5"}, "E5", "userName == person.attributes.login", nil},
		{"CEL expression", []string{`account.userName.split("@")[0].upperAscii() == person.employeeId`}, account.Account{UserName: "e2@corp.example"}, "E2",
			`account.userName.split("@")[0].upperAscii() == person.employeeId`, nil},
		{"CEL reads attributes", []string{`account.attributes["emp"] == person.employeeId`}, account.Account{Attributes: map[string]string{"emp": "E1"}}, "E1",
			`account.attributes["emp"] == person.employeeId`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := correlate.New(tt.rules, roster)
			require.NoError(t, err)
			got, err := m.Match(&tt.acc)
			require.NoError(t, err)
			require.Equal(t, tt.rule, got.Rule)
			require.Equal(t, tt.candidates, got.Candidates)
			require.Equal(t, len(tt.candidates) > 1, got.Ambiguous())
			if tt.want == "" {
				require.Nil(t, got.Person)
				return
			}
			require.NotNil(t, got.Person)
			require.Equal(t, tt.want, got.Person.ID)
		})
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ rule, want string }{
		{"userName = person.email", "want ACCOUNT == person.FIELD"},
		{"userName == person.shoeSize", `unknown person field "shoeSize"`},
		{"account.nope == person.email", "undeclared reference"},
		{"size(account.userName) == person.email", "must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			t.Parallel()
			_, err := correlate.Compile(tt.rule)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range append(correlate.DefaultRules, `account.userName.split("@")[0] == person.employeeId`, "x ==", "== person.email") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		r, err := correlate.Compile(src)
		if err != nil {
			return
		}
		_, _ = r.Key(&account.Account{UserName: "a@b", Attributes: map[string]string{"k": "v"}})
	})
}
