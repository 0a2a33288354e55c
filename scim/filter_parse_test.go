package scim

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseFilterCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`userName eq "bjensen"`, `userName eq "bjensen"`},
		{`userName EQ "bjensen"`, `userName eq "bjensen"`},
		{`name.familyName co "O'Malley"`, `name.familyName co "O'Malley"`},
		{`userName Sw "J"`, `userName sw "J"`},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`, `urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`,
			`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"`,
			`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"`},
		{`title pr`, `title pr`},
		{`title PR`, `title pr`},
		{`meta.lastModified gt "2011-05-13T04:42:34Z"`, `meta.lastModified gt "2011-05-13T04:42:34Z"`},
		{`meta.lastModified ge "2011-05-13T04:42:34Z"`, `meta.lastModified ge "2011-05-13T04:42:34Z"`},
		{`meta.lastModified lt "2011-05-13T04:42:34Z"`, `meta.lastModified lt "2011-05-13T04:42:34Z"`},
		{`meta.lastModified le "2011-05-13T04:42:34Z"`, `meta.lastModified le "2011-05-13T04:42:34Z"`},
		{`title pr and userType eq "Employee"`, `title pr and userType eq "Employee"`},
		{`title pr or userType eq "Intern"`, `title pr or userType eq "Intern"`},
		{`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`,
			`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`},
		{`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`,
			`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`},
		{`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
			`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`},
		{`userType eq "Employee" and (emails.type eq "work")`, `userType eq "Employee" and emails.type eq "work"`},
		{`userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`,
			`userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`},
		{`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
			`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`},
		// Precedence: and binds tighter than or; parentheses only where needed.
		{`a pr or b pr and c pr`, `a pr or b pr and c pr`},
		{`(a pr or b pr) and c pr`, `(a pr or b pr) and c pr`},
		{`a pr and (b pr or c pr)`, `a pr and (b pr or c pr)`},
		{`a pr and (b pr and c pr)`, `a pr and (b pr and c pr)`},
		{`(a pr and b pr) and c pr`, `a pr and b pr and c pr`},
		{`((((a pr))))`, `a pr`},
		{`NOT(a pr)`, `not (a pr)`},
		{`not (a pr) AND b pr`, `not (a pr) and b pr`},
		// Literals.
		{`a eq TRUE`, `a eq true`},
		{`a eq False`, `a eq false`},
		{`a eq null`, `a eq null`},
		{`a gt -1.5e3`, `a gt -1.5e3`},
		{`a eq 0`, `a eq 0`},
		{`a eq "\u00e9\"\\\n\/"`, `a eq "é\"\\\n/"`},
		{`a eq "tab\t"`, `a eq "tab\t"`},
		{"  a\tpr\n", `a pr`},
		{`members[value eq "x"]`, `members[value eq "x"]`},
		{`members.$ref eq "x"`, `members.$ref eq "x"`},
		{`x-y_z pr`, `x-y_z pr`},
		{`a eq"x"and b pr`, `a eq "x" and b pr`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			e, err := ParseFilter(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, e.String())
			again, err := ParseFilter(e.String())
			require.NoError(t, err)
			require.Equal(t, e.String(), again.String(), "String round-trips")
		})
	}
}

func TestParseFilterTree(t *testing.T) {
	t.Parallel()
	e, err := ParseFilter(`a eq 1 or b eq "x" and not (c pr)`)
	require.NoError(t, err)
	or, ok := e.(*LogicalExpr)
	require.True(t, ok)
	require.Equal(t, Or, or.Op)
	require.Equal(t, &CompareExpr{Path: AttrPath{Name: "a"}, Op: Eq, Value: json.Number("1")}, or.Left)
	and := or.Right.(*LogicalExpr)
	require.Equal(t, And, and.Op)
	require.Equal(t, &CompareExpr{Path: AttrPath{Name: "b", Offset: 10}, Op: Eq, Value: "x"}, and.Left)
	require.Equal(t, &NotExpr{X: &CompareExpr{Path: AttrPath{Name: "c", Offset: 28}, Op: Pr}}, and.Right)

	e, err = ParseFilter(`URN:Example:Ext:1.0:Thing:part.sub eq null`)
	require.NoError(t, err)
	require.Equal(t, AttrPath{URN: "URN:Example:Ext:1.0:Thing", Name: "part", Sub: "sub"}, e.(*CompareExpr).Path)
	require.Nil(t, e.(*CompareExpr).Value)
}

func TestParseFilterErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{``, 0, "expected an attribute path, got end of input"},
		{`userName`, 8, "expected an operator"},
		{`userName eq`, 11, "expected a value"},
		{`userName xx "a"`, 9, `unknown operator "xx"`},
		{`userName eq bjensen`, 12, "expected a value"},
		{`userName eq "open`, 12, "unterminated string"},
		{`userName eq "bad \q escape"`, 12, "invalid string literal"},
		{"userName eq \"ctl\x01\"", 16, "control character"},
		{`userName eq 01`, 12, "invalid number"},
		{`userName eq 1.`, 12, "invalid number"},
		{`userName eq -`, 12, "invalid number"},
		{`userName eq 1e`, 12, "invalid number"},
		{`userName eq 12abc`, 12, "invalid number"},
		{`(userName pr`, 12, `expected ")" to close "(" at offset 0`},
		{`userName pr)`, 11, `unexpected ")"`},
		{`emails[type eq "work"`, 21, `expected "]" to close "[" at offset 6`},
		{`emails[type eq "work"].value eq "x"`, 22, "only allowed in PATCH paths"},
		{`emails[type[value pr]]`, 11, "cannot be nested"},
		{`name.givenName[value pr]`, 0, "not to sub-attribute"},
		{`userName pr and`, 15, "expected an attribute path"},
		{`not userName pr`, 4, `unknown operator "userName"`},
		{"a eq \"tab\t\"", 9, "control character"},
		{`a.b.c pr`, 2, `invalid sub-attribute name "b.c"`},
		{`1abc pr`, 0, "invalid number"},
		{`user:Name pr`, 4, `unexpected ":"`},
		{`urn: pr`, 0, "URN without an attribute name"},
		{`urn:x:9 pr`, 6, `invalid attribute name "9"`},
		{`a eq "x" # b`, 9, "unexpected character '#'"},
		{`a eq "x" & b pr`, 9, "unexpected character '&'"},
		{"a eq \"\xff\"", 6, "invalid UTF-8"},
		{`a pr b pr`, 5, `unexpected "b"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			_, err := ParseFilter(tt.in)
			se := requireSCIMError(t, err, 400, ErrorInvalidFilter)
			var syn *SyntaxError
			require.ErrorAs(t, se, &syn)
			require.Equal(t, tt.offset, syn.Offset, syn.Msg)
			require.Contains(t, syn.Msg, tt.msg)
			require.Contains(t, se.Detail, "invalid filter at offset")
		})
	}
}

func TestParseFilterLimits(t *testing.T) {
	t.Parallel()
	long := `userName eq "` + strings.Repeat("a", MaxFilterLength) + `"`
	_, err := ParseFilter(long)
	se := requireSCIMError(t, err, 400, ErrorInvalidFilter)
	require.Contains(t, se.Detail, "longer than 4096 bytes")

	nested := strings.Repeat("(", MaxFilterDepth) + "a pr" + strings.Repeat(")", MaxFilterDepth)
	_, err = ParseFilter(nested)
	require.NoError(t, err, "depth %d is allowed", MaxFilterDepth)
	deeper := "(" + nested + ")"
	_, err = ParseFilter(deeper)
	se = requireSCIMError(t, err, 400, ErrorInvalidFilter)
	require.Contains(t, se.Detail, "nested deeper than 32")

	nots := strings.Repeat("not (", MaxFilterDepth+1) + "a pr" + strings.Repeat(")", MaxFilterDepth+1)
	_, err = ParseFilter(nots)
	requireSCIMError(t, err, 400, ErrorInvalidFilter)

	// Long flat chains are not nesting: they parse, iteratively.
	chain := "a pr" + strings.Repeat(" and a pr", 400)
	_, err = ParseFilter(chain)
	require.NoError(t, err)
}

func TestParsePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		attr     AttrPath
		filter   bool
	}{
		{`members`, `members`, AttrPath{Name: "members"}, false},
		{`name.familyName`, `name.familyName`, AttrPath{Name: "name", Sub: "familyName"}, false},
		{`members[value eq "2819c223"]`, `members[value eq "2819c223"]`, AttrPath{Name: "members"}, true},
		{`emails[type eq "work"].value`, `emails[type eq "work"].value`, AttrPath{Name: "emails", Sub: "value"}, true},
		{`addresses[type EQ "work"].streetAddress`, `addresses[type eq "work"].streetAddress`,
			AttrPath{Name: "addresses", Sub: "streetAddress"}, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`,
			`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`,
			AttrPath{URN: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", Name: "manager"}, false},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`,
			AttrPath{URN: "urn:ietf:params:scim:schemas:extension:enterprise:2.0", Name: "User"}, false},
		{`emails[type eq "work" and primary eq true]`, `emails[type eq "work" and primary eq true]`, AttrPath{Name: "emails"}, true},
		{` members `, `members`, AttrPath{Name: "members", Offset: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			p, err := ParsePath(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, p.String())
			require.Equal(t, tt.attr, p.Attr)
			require.Equal(t, tt.filter, p.Filter != nil)
		})
	}
}

func TestParsePathErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{``, 0, "expected an attribute path"},
		{`"members"`, 0, "expected an attribute path"},
		{`members[value eq "x"`, 20, `expected "]"`},
		{`members[value eq]`, 16, "expected a value"},
		{`members[value eq "x"].`, 22, `invalid sub-attribute name ""`},
		{`members[value eq "x"].a.b`, 22, `invalid sub-attribute name "a.b"`},
		{`members[value eq "x"] extra`, 22, `unexpected "extra"`},
		{`members[value eq "x"][type pr]`, 21, `unexpected "["`},
		{`name.givenName[value pr]`, 14, "not to sub-attribute"},
		{`members[value[x pr]]`, 13, "cannot be nested"},
		{`members or`, 8, `unexpected "or"`},
		{`a..b`, 2, "invalid sub-attribute name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			_, err := ParsePath(tt.in)
			se := requireSCIMError(t, err, 400, ErrorInvalidPath)
			var syn *SyntaxError
			require.ErrorAs(t, se, &syn)
			require.Equal(t, tt.offset, syn.Offset, syn.Msg)
			require.Contains(t, syn.Msg, tt.msg)
			require.Contains(t, se.Detail, "invalid path at offset")
		})
	}
}

func TestParseAttributeList(t *testing.T) {
	t.Parallel()
	got, err := ParseAttributeList(" userName, name.givenName ,,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")
	require.NoError(t, err)
	require.Equal(t, []AttrPath{
		{Name: "userName", Offset: 1},
		{Name: "name", Sub: "givenName", Offset: 11},
		{URN: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", Name: "department", Offset: 28},
	}, got)
	got, err = ParseAttributeList("")
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = ParseAttributeList("userName,emails[type eq \"work\"]")
	se := requireSCIMError(t, err, 400, ErrorInvalidValue)
	require.Contains(t, se.Detail, "invalid attribute list at offset 15")
}
