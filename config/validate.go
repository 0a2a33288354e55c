package config

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	scimconn "github.com/tenure-dev/tenure/connector/scim"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/policy"
)

// Problem is one thing wrong with a config, at the place it was written.
// Line and Column are 1-based and 0 when unknown (a File built in Go rather
// than parsed). Path names the value in the file's structure, such as
// "tenants[0].apps[1].tier"; map keys that are not plain words are quoted:
// tenants[0].hr.columns["Employee ID"].
type Problem struct {
	File         string
	Line, Column int
	Path         string
	Msg          string
}

// Error formats the problem as FILE:LINE:COL: PATH: message, leaving out the
// parts that are unknown.
func (p *Problem) Error() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			b.WriteString(":" + strconv.Itoa(p.Line))
			if p.Column > 0 {
				b.WriteString(":" + strconv.Itoa(p.Column))
			}
		}
		b.WriteString(": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems returns the problems err holds: those joined by Parse, Load and
// Validate, found through errors.Join and %w wrapping. It is nil for an error
// that holds none (a file that could not be read).
func Problems(err error) []*Problem {
	var out []*Problem
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case *Problem:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, err := range e.Unwrap() {
				walk(err)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}

// joinProblems names the file in every problem, sorts them by position and
// joins them; the result prints one problem per line.
func joinProblems(name string, probs []*Problem) error {
	slices.SortStableFunc(probs, func(a, b *Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	errs := make([]error, len(probs))
	for i, p := range probs {
		p.File = name
		errs[i] = p
	}
	return errors.Join(errs...)
}

// Validate checks the whole config and returns every problem found, joined
// with errors.Join and sorted by line (see Problems), or nil. Parse has
// already called it; call it again after changing a File in Go. It does not
// fill in defaults, so a File built in Go must set what Parse would default.
func (f *File) Validate() error {
	if probs := f.problems(); len(probs) > 0 {
		return joinProblems(f.name, probs)
	}
	return nil
}

var (
	idPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	envPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// validator collects problems, placing them with the index when there is one.
type validator struct {
	ix    *index
	probs []*Problem
}

// at reports a problem with the value at path (or, when path is not written,
// with the nearest enclosing mapping: that is where a required key is missing).
func (v *validator) at(path, format string, args ...any) {
	line, col := v.ix.pos(path, false)
	v.probs = append(v.probs, &Problem{Line: line, Column: col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// atKey reports a problem with the key of path, for duplicates.
func (v *validator) atKey(path, format string, args ...any) {
	line, col := v.ix.pos(path, true)
	v.probs = append(v.probs, &Problem{Line: line, Column: col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// where names a place for "first at ...": its line, or its path without an
// index.
func (v *validator) where(path string) string {
	if line := v.ix.line(path); line > 0 {
		return "line " + strconv.Itoa(line)
	}
	return path
}

// id checks an identifier's syntax and uniqueness; seen maps the ids met so
// far to their paths.
func (v *validator) id(path, id, what string, seen map[string]string) {
	switch {
	case id == "":
		v.at(path, "required")
		return
	case !idPattern.MatchString(id):
		v.at(path, "invalid %s id %q: use lowercase letters, digits and hyphens, starting with a letter or digit, at most 63 characters", what, id)
	}
	if first, ok := seen[id]; ok {
		v.atKey(path, "duplicate %s id %q (first at %s)", what, id, v.where(first))
		return
	}
	seen[id] = path
}

// known formats the accepted values for a message.
func known(values []string) string {
	if len(values) == 0 {
		return "(none defined)"
	}
	values = slices.Sorted(slices.Values(values))
	if len(values) > 12 {
		values = append(values[:12:12], "…")
	}
	return "(known: " + strings.Join(values, ", ") + ")"
}

func (f *File) problems() []*Problem {
	v := &validator{ix: f.idx}
	if len(f.Tenants) == 0 {
		v.at("tenants", "at least one tenant is required")
	}
	seen := map[string]string{}
	for i := range f.Tenants {
		p := "tenants[" + strconv.Itoa(i) + "]"
		v.id(p+".id", f.Tenants[i].ID, "tenant", seen)
		v.tenant(&f.Tenants[i], p)
	}
	return v.probs
}

func (v *validator) tenant(t *Tenant, p string) {
	v.hr(&t.HR, p+".hr")
	for _, field := range sortedKeys(t.SCIM.Mapping) {
		fp := p + ".scim.mapping." + field
		switch field {
		case "employeeId", "email", "givenName", "familyName", "displayName", "department", "title", "location", "employmentType":
		default:
			v.atKey(fp, "unknown field %q (known: employeeId, email, givenName, familyName, displayName, department, title, location, employmentType)", field)
			continue
		}
		if len(t.SCIM.Mapping[field]) == 0 {
			v.at(fp, "list at least one SCIM attribute")
		}
		for i, attr := range t.SCIM.Mapping[field] {
			if strings.TrimSpace(attr) == "" {
				v.at(fmt.Sprintf("%s[%d]", fp, i), "empty SCIM attribute")
			}
		}
	}
	v.guard(&t.Guard, p+".guard")
	v.signals(&t.Signals, p+".signals")
	for _, name := range sortedKeys(t.Tiers) {
		tp := joinKey(p+".tiers", name)
		if !idPattern.MatchString(name) {
			v.atKey(tp, "invalid tier name %q: use lowercase letters, digits and hyphens", name)
		}
		switch d := t.Tiers[name].LeaverDeadline; {
		case d.Duration == 0 && !v.ix.has(tp+".leaver_deadline"):
			v.at(tp+".leaver_deadline", "required: how soon a leaver loses access to apps of this tier, such as 15m or 24h")
		case d.Duration <= 0:
			v.at(tp+".leaver_deadline", "must be more than 0, got %s", d)
		}
	}

	tiers := sortedKeys(t.Tiers)
	apps := map[string]string{}
	for i := range t.Apps {
		v.app(&t.Apps[i], p+".apps["+strconv.Itoa(i)+"]", t.Tiers, tiers, apps)
		v.backchannel(&t.Apps[i], p+".apps["+strconv.Itoa(i)+"]", t.Signals.Egress())
	}
	appIDs := sortedKeys(apps)

	roles := map[string]string{}
	for i := range t.Roles {
		r := &t.Roles[i]
		rp := p + ".roles[" + strconv.Itoa(i) + "]"
		v.id(rp+".id", r.ID, "role", roles)
		grants := map[Grant]string{}
		for j, g := range r.Grants {
			gp := rp + ".grants[" + strconv.Itoa(j) + "]"
			switch _, ok := apps[g.App]; {
			case g.App == "":
				v.at(gp+".app", "required")
			case !ok:
				v.at(gp+".app", "unknown app %q %s", g.App, known(appIDs))
			}
			if first, ok := grants[g]; ok {
				v.at(gp, "duplicate grant of %s (first at %s)", grantString(g), v.where(first))
			} else {
				grants[g] = gp
			}
		}
	}
	roleIDs := sortedKeys(roles)

	rules := map[string]string{}
	for i := range t.Birthright {
		r := &t.Birthright[i]
		rp := p + ".birthright[" + strconv.Itoa(i) + "]"
		if r.Name == "" {
			v.at(rp+".name", "required")
		} else if first, ok := rules[r.Name]; ok {
			v.atKey(rp+".name", "duplicate rule name %q (first at %s)", r.Name, v.where(first))
		} else {
			rules[r.Name] = rp + ".name"
		}
		if strings.TrimSpace(r.When) == "" {
			v.at(rp+".when", "required: a CEL condition such as 'person.department == \"Engineering\"'")
		} else if _, err := policy.Compile(r.When); err != nil {
			v.at(rp+".when", "invalid rule: %s", condenseCEL(err))
		}
		if len(r.Roles) == 0 {
			v.at(rp+".roles", "at least one role is required")
		}
		for j, id := range r.Roles {
			if _, ok := roles[id]; !ok {
				v.at(rp+".roles["+strconv.Itoa(j)+"]", "unknown role %q %s", id, known(roleIDs))
			}
		}
	}
}

func grantString(g Grant) string {
	if g.Entitlement == "" {
		return "an account in " + strconv.Quote(g.App)
	}
	return strconv.Quote(g.Entitlement) + " in " + strconv.Quote(g.App)
}

func (v *validator) hr(h *HR, p string) {
	switch h.Absent {
	case AbsentIgnore, AbsentTerminate:
	default:
		v.at(p+".absent", "unknown value %q (known: ignore, terminate)", h.Absent)
	}

	cp := p + ".columns"
	cols := sortedKeys(h.Columns)
	// Document order, so that "already mapped" points back up the file.
	slices.SortStableFunc(cols, func(a, b string) int {
		return cmp.Compare(v.ix.line(joinKey(cp, a)), v.ix.line(joinKey(cp, b)))
	})
	targets := map[string]string{} // roster field -> first column mapped to it
	for _, col := range cols {
		target, path := h.Columns[col], joinKey(cp, col)
		if strings.TrimSpace(col) == "" {
			v.atKey(path, "empty column name")
		}
		if !validTarget(target) {
			v.at(path, "unknown roster field %q (known: %s, attributes.NAME)", target, strings.Join(person.Fields, ", "))
			continue
		}
		if first, ok := targets[target]; ok {
			v.at(path, "column %q maps to %s, which column %q (%s) already maps to", col, target, first, v.where(joinKey(cp, first)))
			continue
		}
		targets[target] = col
	}

	if len(h.Columns) > 0 {
		if _, ok := h.Columns[h.Key]; !ok {
			if h.Key == "employeeId" && !v.ix.has(p+".key") {
				v.at(cp, "no column maps to employeeId: map the column that holds the employee ID, or set hr.key")
			} else {
				v.at(p+".key", "column %q is not in hr.columns %s", h.Key, known(cols))
			}
		}
	}
}

// validTarget reports whether a column may map to target: a roster field or
// attributes.NAME.
func validTarget(target string) bool {
	if name, ok := strings.CutPrefix(target, "attributes."); ok {
		return strings.TrimSpace(name) != ""
	}
	return slices.Contains(person.Fields, target)
}

func (v *validator) guard(g *Guard, p string) {
	if !(g.MaxRemovalsPercent > 0 && g.MaxRemovalsPercent <= 100) {
		v.at(p+".max_removals_percent", "must be more than 0 and at most 100, got %v", g.MaxRemovalsPercent)
	}
	if g.MaxRemovals < 1 {
		v.at(p+".max_removals", "must be at least 1, got %d", g.MaxRemovals)
	}
}

func (v *validator) app(a *App, p string, tiers map[string]Tier, tierNames []string, seen map[string]string) {
	v.id(p+".id", a.ID, "app", seen)

	if _, ok := tiers[a.Tier]; !ok {
		if a.Tier == TierStandard && !v.ix.has(p+".tier") {
			v.at(p+".tier", "no tier given and the default tier %q is not defined %s", TierStandard, known(tierNames))
		} else {
			v.at(p+".tier", "unknown tier %q %s", a.Tier, known(tierNames))
		}
	}

	if a.Owner == "" {
		v.at(p+".owner", "required: the mailbox that gets this app's manual tasks")
	} else if addr, err := mail.ParseAddress(a.Owner); err != nil || addr.Name != "" || addr.Address != a.Owner {
		v.at(p+".owner", "%q is not a mailbox address such as it-ops@example.com", a.Owner)
	}

	switch a.OnLeave {
	case LeaveDisable, LeaveDelete:
	default:
		v.at(p+".on_leave", "unknown value %q (known: disable, delete)", a.OnLeave)
	}
	if a.DeleteAfter != nil {
		switch {
		case a.OnLeave != LeaveDelete:
			v.at(p+".delete_after", "only allowed with on_leave: delete")
		case a.DeleteAfter.Duration < 0:
			v.at(p+".delete_after", "must not be negative, got %s", a.DeleteAfter)
		}
	}
	if a.ProvisionBeforeStart.Duration < 0 {
		v.at(p+".provision_before_start", "must not be negative, got %s", a.ProvisionBeforeStart)
	}
	v.connector(&a.Connector, p+".connector")
	v.sessions(a, p)
	v.reconcile(a, p)
}

func (v *validator) connector(c *Connector, p string) {
	switch {
	case c.Type == "":
		v.at(p+".type", "required (one of %s)", strings.Join(ConnectorTypes, ", "))
	case !slices.Contains(ConnectorTypes, c.Type):
		v.at(p+".type", "unknown connector type %q (known: %s)", c.Type, strings.Join(ConnectorTypes, ", "))
	case isIdP(c.Type):
		v.idp(c, p)
	case c.Type == ConnectorManual:
		for _, f := range []struct{ key, val string }{{"url", c.URL}, {"token_env", c.TokenEnv}, {"token_file", c.TokenFile}} {
			if f.val != "" {
				v.at(p+"."+f.key, "not used by a manual connector: its changes become tasks for the app's owner")
			}
		}
		if c.AllowLoopback {
			v.at(p+".allow_loopback", "not used by a manual connector: its changes become tasks for the app's owner")
		}
	default:
		v.url(c, p+".url")
		if c.Type == ConnectorLDAP {
			v.ldap(c, p)
		}
		bearer := c.Auth == nil || c.Auth.Type == AuthBearer
		if c.Type == ConnectorSCIM && bearer && c.TokenEnv == "" && c.TokenFile == "" {
			v.at(p+".token_env", "required for scim: the environment variable holding the bearer token (or set token_file)")
		}
		if !bearer && c.Type == ConnectorSCIM {
			for _, f := range []struct{ key, val string }{{"token_env", c.TokenEnv}, {"token_file", c.TokenFile}} {
				if f.val != "" {
					v.at(p+"."+f.key, "not used with auth type %s", c.Auth.Type)
				}
			}
		}
	}
	v.scimOptions(c, p)

	if !isIdP(c.Type) {
		v.idpUnused(c, p)
	}
	if c.Type != ConnectorLDAP {
		v.ldapUnused(c, p)
	}
	if c.TokenEnv != "" && c.TokenFile != "" && !isIdP(c.Type) {
		v.at(p+".token_file", "give token_env or token_file, not both")
	}
	if c.TokenEnv != "" && !envPattern.MatchString(c.TokenEnv) {
		v.at(p+".token_env", "%q is not an environment variable name: token_env names the variable (such as GITHUB_SCIM_TOKEN) that holds the token, never the token itself", c.TokenEnv)
	}
	if c.TokenFile != "" && strings.TrimSpace(c.TokenFile) == "" {
		v.at(p+".token_file", "blank file name")
	}
	if c.Timeout.Duration < 0 {
		v.at(p+".timeout", "must not be negative, got %s", c.Timeout)
	}
}

// url checks a scim or ldap endpoint.
func (v *validator) url(c *Connector, p string) {
	schemes := []string{"https", "http"}
	if c.Type == ConnectorLDAP {
		schemes = []string{"ldaps", "ldap"}
	}
	if c.URL == "" {
		v.at(p, "required for %s: the %s:// endpoint", c.Type, schemes[0])
		return
	}
	u, err := url.Parse(c.URL)
	switch {
	case err != nil:
		v.at(p, "invalid URL: %v", errors.Unwrap(err))
	case !slices.Contains(schemes, u.Scheme) || u.Host == "":
		v.at(p, "%q is not an absolute %s:// or %s:// URL", c.URL, schemes[0], schemes[1])
	}
}

var celError = regexp.MustCompile(`^ERROR: <input>:(\d+):(\d+): (.*)$`)

// condenseCEL shortens a CEL compile error to its first message and where in
// the expression it is: CEL's own text repeats the source with a caret line,
// which does not fit the one-line-per-problem format.
func condenseCEL(err error) string {
	lines := strings.Split(err.Error(), "\n")
	more := 0
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "ERROR: ") {
			more++
		}
	}
	msg := lines[0]
	if m := celError.FindStringSubmatch(msg); m != nil {
		msg = strings.ReplaceAll(m[3], " (in container '')", "")
		if m[1] == "1" {
			msg += " (at column " + m[2] + ")"
		} else {
			msg += " (at line " + m[1] + ", column " + m[2] + ")"
		}
	}
	if more > 0 {
		msg += fmt.Sprintf(" and %d more error(s)", more)
	}
	if strings.Contains(lines[0], "undeclared reference to 'person'") {
		// CEL found no person.NAME variable and fell back to "person".
		msg += "; known fields: person." + strings.Join(sortedKeys(policy.Fields), ", person.")
	}
	return msg
}

// scimOptions checks the keys only a scim connector uses: auth,
// concurrency, rate_limit and mapping.
func (v *validator) scimOptions(c *Connector, p string) {
	scim := c.Type == ConnectorSCIM
	for _, f := range []struct {
		key string
		set bool
	}{{"auth", c.Auth != nil}, {"concurrency", c.Concurrency != 0}, {"rate_limit", c.RateLimit != 0}, {"mapping", c.Mapping != nil}} {
		if f.set && !scim && c.Type != "" {
			v.at(p+"."+f.key, "only used by a scim connector")
		}
	}
	if c.Concurrency < 0 {
		v.at(p+".concurrency", "must not be negative, got %d (0 means the connector's default, 4)", c.Concurrency)
	}
	if c.RateLimit < 0 || math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0) {
		v.at(p+".rate_limit", "must be a positive number of requests per second, or 0 for no limit, got %v", c.RateLimit)
	}
	for _, pr := range scimconn.CheckMapping(c.Mapping, "") {
		v.at(joinKey(p+".mapping", pr.Attr), "%s", pr.Msg)
	}
	if c.Auth != nil && scim {
		v.auth(c.Auth, p+".auth", c.AllowLoopback)
	}
}

// auth checks a connector's auth block: the keys its type needs, none it
// does not use, and secrets only by reference.
func (v *validator) auth(a *ConnectorAuth, p string, allowLoopback bool) {
	uses := map[string][]string{
		AuthBearer: nil,
		AuthOAuth2: {"token_url", "client_id", "client_secret_env", "client_secret_file", "scopes"},
		AuthBasic:  {"username", "password_env", "password_file"},
	}
	switch {
	case a.Type == "":
		v.at(p+".type", "required (one of %s)", strings.Join(AuthTypes, ", "))
		return
	case !slices.Contains(AuthTypes, a.Type):
		v.at(p+".type", "unknown auth type %q (known: %s)", a.Type, strings.Join(AuthTypes, ", "))
		return
	}
	for _, f := range []struct {
		key string
		set bool
	}{
		{"token_url", a.TokenURL != ""}, {"client_id", a.ClientID != ""}, {"client_secret_env", a.ClientSecretEnv != ""},
		{"client_secret_file", a.ClientSecretFile != ""}, {"scopes", a.Scopes != nil}, {"username", a.Username != ""},
		{"password_env", a.PasswordEnv != ""}, {"password_file", a.PasswordFile != ""},
	} {
		if f.set && !slices.Contains(uses[a.Type], f.key) {
			v.at(p+"."+f.key, "not used by auth type %s", a.Type)
		}
	}
	secretRef := func(what, envKey, env, fileKey, file string) {
		switch {
		case env == "" && file == "":
			v.at(p+"."+envKey, "required for auth type %s: the environment variable holding the %s (or set %s)", a.Type, what, fileKey)
		case env != "" && file != "":
			v.at(p+"."+fileKey, "give %s or %s, not both", envKey, fileKey)
		case env != "" && !envPattern.MatchString(env):
			v.at(p+"."+envKey, "%q is not an environment variable name: %s names the variable that holds the %s, never the %s itself", env, envKey, what, what)
		case file != "" && strings.TrimSpace(file) == "":
			v.at(p+"."+fileKey, "blank file name")
		}
	}
	switch a.Type {
	case AuthOAuth2:
		if a.TokenURL == "" {
			v.at(p+".token_url", "required for auth type oauth2: the authorization server's token endpoint (https://…)")
		} else if u, err := url.Parse(a.TokenURL); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
			v.at(p+".token_url", "%q is not an absolute https:// URL", a.TokenURL)
		} else if u.User != nil {
			v.at(p+".token_url", "credentials do not belong in the URL: use client_id and client_secret_env or client_secret_file")
		} else if u.Scheme == "http" && !(allowLoopback && loopbackHost(u.Hostname())) {
			v.at(p+".token_url", "%q: the client secret is sent only over https (http only on this machine, with allow_loopback)", a.TokenURL)
		}
		if a.ClientID == "" {
			v.at(p+".client_id", "required for auth type oauth2")
		}
		secretRef("client secret", "client_secret_env", a.ClientSecretEnv, "client_secret_file", a.ClientSecretFile)
		for i, s := range a.Scopes {
			if s == "" || strings.ContainsAny(s, " \t\"\\") {
				v.at(p+".scopes["+strconv.Itoa(i)+"]", "%q is not a scope: one word, no spaces, quotes or backslashes", s)
			}
		}
	case AuthBasic:
		if a.Username == "" {
			v.at(p+".username", "required for auth type basic")
		} else if strings.Contains(a.Username, ":") {
			v.at(p+".username", "must not contain a colon (RFC 7617)")
		}
		secretRef("password", "password_env", a.PasswordEnv, "password_file", a.PasswordFile)
	}
}

// loopbackHost reports whether host names this machine: localhost or a
// loopback IP literal (no DNS lookup).
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
