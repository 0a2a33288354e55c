package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// The fuzz targets hold every parser to its contract on any input: no
// panic, a *Error of the documented type on failure, and output that
// survives a round trip or validation on success.
//
// Inputs are capped below the parsers' own limits (which unit tests cover).
// Each iteration stays small, and so does the fuzzer's minimisation of an
// interesting input, which tries a number of candidates quadratic in its
// length: a 4 KiB input stalls fuzzing for a minute. Each cap has a seed
// just above it, so that crossing it is never news to the fuzzer.
//
// For the same reason TestMain lowers the fuzzer's default minimisation
// time per input from 60 s to a few seconds (an explicit
// -fuzzminimizetime still wins): a 20 s fuzz run must fuzz, not minimise.
const (
	maxFuzzText = 512     // filters and paths
	maxFuzzBody = 2 << 10 // request bodies
)

func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.fuzzminimizetime" })
	if !explicit {
		if err := flag.Set("test.fuzzminimizetime", "3s"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}

// compact strips a JSON seed's whitespace: smaller seeds breed smaller
// inputs, which minimise faster.
func compact(data []byte) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		return data
	}
	return b.Bytes()
}

var filterSeeds = []string{
	`userName eq "bjensen"`,
	`name.familyName co "O'Malley"`,
	`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"`,
	`title pr and not (nickName pr)`,
	`meta.lastModified gt "2011-05-13T04:42:34Z" or meta.created le "2024-01-01T00:00:00+02:00"`,
	`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`,
	`emails[type eq "work" and primary eq TRUE] or ims[type eq "xmpp" and value co "@foo.com"]`,
	`active eq "True" and x509Certificates.value eq "AAEC"`,
	`members[value eq "2819c223"] and displayName ew "ops"`,
	`a eq -1.5e3 or b ne null or c gt 0`,
	`emails[type eq "work"].value eq "x"`,
	`((a pr)`,
	`userName eq "\u00e9\"\\"`,
	"not(userName pr)",
}

var (
	fuzzUser = sync.OnceValue(func() Resource {
		return mustStored(UserResourceType(), sampleUserJSON, sampleUserID)
	})
	fuzzGroup = sync.OnceValue(func() Resource {
		return mustStored(GroupResourceType(), sampleGroupJSON, sampleGroupID)
	})
)

// requireErrorType checks that err is a *Error of one of the types.
func requireErrorType(t *testing.T, err error, types ...ErrorType) {
	t.Helper()
	var se *Error
	require.True(t, errors.As(err, &se), "want *scim.Error, got %T: %v", err, err)
	require.Contains(t, types, se.Type, se.Detail)
}

func FuzzFilter(f *testing.F) {
	for _, s := range append(filterSeeds, limitSeeds()...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > maxFuzzText {
			return
		}
		e, err := ParseFilter(s)
		if err != nil {
			requireErrorType(t, err, ErrorInvalidFilter)
			var syn *SyntaxError
			require.ErrorAs(t, err, &syn)
			require.True(t, syn.Offset >= 0 && syn.Offset <= len(s), "offset %d outside input", syn.Offset)
			return
		}
		// The canonical form parses back to the same tree. It may be longer
		// than the input (added spaces), so the length limit is lifted.
		canon := e.String()
		again, err := parseFilter(canon, ErrorInvalidFilter, 1<<20)
		require.NoError(t, err, "canonical form %q of %q", canon, s)
		require.Equal(t, canon, again.String())
		require.Equal(t, withoutOffsets(e), withoutOffsets(again), "%q → %q", s, canon)

		for _, c := range []struct {
			rt  *ResourceType
			res Resource
		}{{UserResourceType(), fuzzUser()}, {GroupResourceType(), fuzzGroup()}, {deviceType, nil}} {
			compiled, err := c.rt.CompileFilter(e)
			if err != nil {
				requireErrorType(t, err, ErrorInvalidFilter)
				continue
			}
			compiled.Match(c.res)
			compiled.Equality()
		}
	})
}

// limitSeeds are the cap and the depth limit.
func limitSeeds() []string {
	return []string{
		strings.Repeat("a", maxFuzzText+1),
		strings.Repeat("(", MaxFilterDepth+1) + "a pr" + strings.Repeat(")", MaxFilterDepth+1),
	}
}

// withoutOffsets copies an expression with every offset zeroed, so trees
// parsed from differently spaced texts compare equal.
func withoutOffsets(e Expr) Expr {
	switch x := e.(type) {
	case *LogicalExpr:
		return &LogicalExpr{Op: x.Op, Left: withoutOffsets(x.Left), Right: withoutOffsets(x.Right)}
	case *NotExpr:
		return &NotExpr{X: withoutOffsets(x.X)}
	case *ValuePathExpr:
		p := x.Path
		p.Offset = 0
		return &ValuePathExpr{Path: p, Filter: withoutOffsets(x.Filter)}
	case *CompareExpr:
		c := *x
		c.Path.Offset = 0
		return &c
	}
	return e
}

func FuzzPatchPath(f *testing.F) {
	for _, s := range []string{
		`members`, `name.familyName`, `members[value eq "2819c223"]`, `emails[type eq "work"].value`,
		`addresses[type eq "work" and primary eq true].streetAddress`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`,
		`members[value eq "x"].`, `emails[type eq "work"`, `a..b`,
		"members[" + strings.Repeat("(", MaxFilterDepth) + "value pr" + strings.Repeat(")", MaxFilterDepth) + "]",
		strings.Repeat("m", maxFuzzText+1),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > maxFuzzText {
			return
		}
		p, err := ParsePath(s)
		if err != nil {
			requireErrorType(t, err, ErrorInvalidPath)
			return
		}
		canon := p.String()
		again, err := parsePath(canon, 1<<20)
		require.NoError(t, err, "canonical form %q of %q", canon, s)
		require.Equal(t, canon, again.String())

		for _, rt := range []*ResourceType{UserResourceType(), GroupResourceType()} {
			pt := &patcher{rt: rt}
			if _, err := pt.target(p); err != nil {
				requireErrorType(t, err, ErrorInvalidPath)
			}
		}
	})
}

// seedFiles returns the JSON members of the golden files, as fuzz seeds.
func seedFiles(f *testing.F, members ...string) [][]byte {
	files, err := filepath.Glob("testdata/patch/*.json")
	require.NoError(f, err)
	var out [][]byte
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(f, err)
		var m map[string]json.RawMessage
		require.NoError(f, json.Unmarshal(data, &m))
		for _, k := range members {
			if v, ok := m[k]; ok {
				out = append(out, compact(v))
			}
		}
	}
	return out
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add(compact([]byte(sampleUserJSON)))
	f.Add(compact([]byte(sampleGroupJSON)))
	f.Add([]byte(`{"schemas":["urn:acme"]}`))
	f.Add([]byte(`[[[[{"a":"\ud800"}]]]]`))
	f.Add([]byte("{\"userName\":\"\xff\"}"))
	f.Add(bytes.Repeat([]byte(" "), maxFuzzBody+1))
	f.Add([]byte(strings.Repeat("[", 17)))
	for _, s := range seedFiles(f, "before", "request", "after") {
		f.Add(s)
	}
	opts := DecodeOptions{MaxBytes: maxFuzzBody, MaxDepth: 16, Schemas: append(DefaultCatalog().SchemaURNs(), PatchOpURN)}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzBody {
			return
		}
		body, err := DecodeRequest(bytes.NewReader(data), opts)
		if err != nil {
			requireErrorType(t, err, ErrorInvalidSyntax)
			return
		}
		for _, rt := range []*ResourceType{UserResourceType(), GroupResourceType()} {
			res, err := rt.Normalize(body)
			if err != nil {
				requireErrorType(t, err, ErrorInvalidSyntax, ErrorInvalidValue)
				continue
			}
			require.NoError(t, rt.Validate(res))
			again, err := rt.Normalize(map[string]any(res))
			require.NoError(t, err, "normalising is idempotent")
			require.Equal(t, res, again)
		}
		if _, err := DecodePatch(body); err != nil {
			requireErrorType(t, err, ErrorInvalidSyntax, ErrorInvalidValue, ErrorInvalidPath, ErrorNoTarget)
		}
	})
}

func FuzzPatch(f *testing.F) {
	for _, s := range seedFiles(f, "request") {
		f.Add(s, strings.Contains(string(s), "members"))
	}
	for _, ops := range []string{
		`[{"op":"add","path":"emails","value":[{"value":"x@y.z","primary":"True"}]}]`,
		`[{"op":"replace","path":"emails[type eq \"other\"].value","value":"o@x.org"}]`,
		`[{"op":"remove","path":"emails[type eq \"home\"].type"}]`,
		`[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"manager":"m"}}]`,
		`[{"op":"Replace","value":{"name.givenName":"X","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Y"}}]`,
		`[{"op":"remove","path":"userName"}]`,
	} {
		f.Add([]byte(patchBody(ops)), false)
	}
	f.Add(bytes.Repeat([]byte(" "), maxFuzzBody+1), false)
	f.Add([]byte(strings.Repeat("[", 17)), false)
	opts := DecodeOptions{MaxBytes: maxFuzzBody, MaxDepth: 16}
	f.Fuzz(func(t *testing.T, data []byte, group bool) {
		if len(data) > maxFuzzBody {
			return
		}
		rt, res := UserResourceType(), fuzzUser()
		if group {
			rt, res = GroupResourceType(), fuzzGroup()
		}
		body, err := DecodeRequest(bytes.NewReader(data), opts)
		if err != nil {
			return
		}
		req, err := DecodePatch(body)
		if err != nil {
			requireErrorType(t, err, ErrorInvalidSyntax, ErrorInvalidValue, ErrorInvalidPath, ErrorNoTarget)
			return
		}
		before := deepCopy(res).(Resource)
		got, err := rt.ApplyPatch(res, req)
		require.Equal(t, before, res, "ApplyPatch modified its input")
		if err != nil {
			requireErrorType(t, err, ErrorInvalidSyntax, ErrorInvalidValue, ErrorInvalidPath, ErrorNoTarget, ErrorMutability)
			return
		}
		require.NoError(t, rt.Validate(got), "patched resource must stay valid")
		require.Equal(t, res["id"], got["id"])
		require.Equal(t, res["meta"], got["meta"])
	})
}
