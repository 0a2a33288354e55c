// Package correlate matches the accounts an app really holds to people of
// the roster, by rules tried in order: "externalId == person.employeeId",
// "userName == person.email", or a CEL expression over the account
// ("account.userName.split('@')[0] == person.employeeId").
//
// A rule that matches more than one person makes the account ambiguous:
// reconciliation reports it and never guesses. A rule that matches no one
// passes the account to the next rule; when every rule has passed, the
// account is an orphan.
//
// Each rule indexes the roster by its person field once, so matching costs
// one map lookup per account and rule, not a scan of the roster.
package correlate

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"

	"github.com/tenure-dev/tenure/account"
)

// DefaultRules are tried when an app configures none: the app's link to
// the person first (what Tenure writes when it creates an account), then
// the login name against the work email.
var DefaultRules = []string{"externalId == person.employeeId", "userName == person.email"}

// AccountFields are what the left side of a rule can name directly:
//
//	id          the app's own id of the account (a SCIM id, a DN)
//	externalId  the app's link to a person (SCIM externalId, the
//	            connector's id attribute)
//	userName    the login name
//	email       the account's (primary) email
//	attributes.NAME  another attribute the connector reports
var AccountFields = []string{"id", "externalId", "userName", "email"}

// PersonFields are the person fields the right side can name (and
// attributes.NAME).
var PersonFields = []string{"employeeId", "email", "displayName", "givenName", "familyName", "managerId"}

var celPos = regexp.MustCompile(`^ERROR: <input>:(\d+):(\d+): (.*)$`)

var ruleForm = regexp.MustCompile(`^(.+?)\s*==\s*person\.([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)?)\s*$`)

// Rule is one compiled correlation rule.
type Rule struct {
	Source string
	// field is the account field of a plain rule; prg the CEL program of
	// an expression rule (exactly one is set).
	field string
	prg   cel.Program
	// personField is the roster field matched against.
	personField string
}

// Compile parses and type-checks a rule. Errors name what is wrong in the
// rule's own terms, for config validation.
func Compile(src string) (*Rule, error) {
	m := ruleForm.FindStringSubmatch(strings.TrimSpace(src))
	if m == nil {
		return nil, fmt.Errorf("rule %q: want ACCOUNT == person.FIELD, where ACCOUNT is %s, attributes.NAME or a CEL expression over account", src, strings.Join(AccountFields, ", "))
	}
	lhs, pf := strings.TrimSpace(m[1]), m[2]
	if !validPersonField(pf) {
		return nil, fmt.Errorf("rule %q: unknown person field %q (known: %s, attributes.NAME)", src, pf, strings.Join(PersonFields, ", "))
	}
	r := &Rule{Source: src, personField: pf}
	if isAccountField(lhs) {
		r.field = lhs
		return r, nil
	}
	prg, err := compileCEL(lhs)
	if err != nil {
		return nil, fmt.Errorf("rule %q: %w", src, err)
	}
	r.prg = prg
	return r, nil
}

func validPersonField(f string) bool {
	if name, ok := strings.CutPrefix(f, "attributes."); ok {
		return name != ""
	}
	for _, k := range PersonFields {
		if k == f {
			return true
		}
	}
	return false
}

func isAccountField(f string) bool {
	if name, ok := strings.CutPrefix(f, "attributes."); ok {
		return name != "" && !strings.ContainsAny(name, " ()[]\"'")
	}
	for _, k := range AccountFields {
		if k == f {
			return true
		}
	}
	return false
}

var (
	envOnce sync.Once
	env     *cel.Env
	envErr  error
)

func celEnv() (*cel.Env, error) {
	envOnce.Do(func() {
		// The strings extension (split, lowerAscii, replace, …) is what a
		// key computed from a login name needs.
		opts := []cel.EnvOption{ext.Strings(), cel.Variable("account.attributes", cel.MapType(cel.StringType, cel.StringType))}
		for _, f := range AccountFields {
			opts = append(opts, cel.Variable("account."+f, cel.StringType))
		}
		env, envErr = cel.NewEnv(opts...)
	})
	return env, envErr
}

// costLimit bounds one evaluation: a key is computed from short strings.
const costLimit = 1000

func compileCEL(src string) (cel.Program, error) {
	e, err := celEnv()
	if err != nil {
		return nil, err
	}
	ast, iss := e.Compile(src)
	if iss.Err() != nil {
		msg := strings.TrimSpace(iss.Err().Error())
		if i := strings.IndexByte(msg, '\n'); i > 0 {
			msg = msg[:i]
		}
		// "ERROR: <input>:1:8: text" → "text (at column 8)".
		if m := celPos.FindStringSubmatch(msg); m != nil {
			msg = m[3] + " (at column " + m[2] + ")"
		}
		return nil, errors.New(msg)
	}
	if !ast.OutputType().IsExactType(cel.StringType) {
		return nil, fmt.Errorf("the account side must be a string, it is %s", ast.OutputType())
	}
	return e.Program(ast, cel.CostLimit(costLimit))
}

// Key is the value the rule looks up for an account ("" when it has none).
func (r *Rule) Key(a *account.Account) (string, error) {
	if r.prg == nil {
		return accountField(a, r.field), nil
	}
	out, _, err := r.prg.Eval(activation{a})
	if err != nil {
		return "", fmt.Errorf("rule %q on account %s: %w", r.Source, a.ExternalID, err)
	}
	s, ok := out.(types.String)
	if !ok {
		return "", fmt.Errorf("rule %q on account %s: got %s, not a string", r.Source, a.ExternalID, out.Type())
	}
	return string(s), nil
}

func accountField(a *account.Account, f string) string {
	switch f {
	case "id":
		return a.ExternalID
	case "externalId":
		return a.PersonID
	case "userName":
		return a.UserName
	case "email":
		return a.Attributes["email"]
	}
	if name, ok := strings.CutPrefix(f, "attributes."); ok {
		return a.Attributes[name]
	}
	return ""
}

type activation struct{ a *account.Account }

func (activation) Parent() interpreter.Activation { return nil }

func (x activation) ResolveName(name string) (any, bool) {
	f, ok := strings.CutPrefix(name, "account.")
	if !ok {
		return nil, false
	}
	if f == "attributes" {
		if x.a.Attributes == nil {
			return map[string]string{}, true
		}
		return x.a.Attributes, true
	}
	return accountField(x.a, f), true
}

// fold is how keys of a person field compare: emails in any case, the rest
// exactly.
func fold(personField, s string) string {
	if personField == "email" {
		return strings.ToLower(strings.TrimSpace(s))
	}
	return strings.TrimSpace(s)
}
