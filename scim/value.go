package scim

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// A resource holds JSON values in these Go types only: string, bool,
// json.Number (integer and decimal alike, so numbers round-trip exactly),
// map[string]any and []any. Normalisation converts anything else it
// understands (int, float64, []string…) into them.

// parseBool accepts a JSON boolean or, because Entra ID sends them, the
// strings "true" and "false" in any case.
func parseBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch {
		case strings.EqualFold(x, "true"):
			return true, true
		case strings.EqualFold(x, "false"):
			return false, true
		}
	}
	return false, false
}

// toNumber converts a JSON or Go number into a json.Number, checking that
// an integer attribute gets an integral value.
func toNumber(v any, integer bool) (json.Number, error) {
	var n json.Number
	switch x := v.(type) {
	case json.Number:
		if _, err := strconv.ParseFloat(string(x), 64); err != nil {
			return "", fmt.Errorf("%q is not a number", string(x))
		}
		n = x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", fmt.Errorf("%v is not a JSON number", x)
		}
		n = json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	case float32:
		return toNumber(float64(x), integer)
	case int:
		n = json.Number(strconv.Itoa(x))
	case int64:
		n = json.Number(strconv.FormatInt(x, 10))
	case int32:
		n = json.Number(strconv.FormatInt(int64(x), 10))
	default:
		return "", fmt.Errorf("expected a number, got %s", jsonKind(v))
	}
	if integer {
		if _, err := strconv.ParseInt(string(n), 10, 64); err != nil {
			f, ferr := strconv.ParseFloat(string(n), 64)
			if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
				return "", fmt.Errorf("%s is not an integer", n)
			}
			n = json.Number(strconv.FormatInt(int64(f), 10))
		}
	}
	return n, nil
}

// parseDateTime parses an xsd:dateTime as RFC 7643 §2.3.5 requires it:
// with a time zone. RFC 3339 is that profile.
func parseDateTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 date-time", s)
	}
	return t, nil
}

func checkBinary(s string) error {
	if _, err := base64.StdEncoding.DecodeString(s); err == nil {
		return nil
	}
	if _, err := base64.RawStdEncoding.DecodeString(s); err != nil {
		return fmt.Errorf("not base64")
	}
	return nil
}

// jsonKind names a value's JSON type for error messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64, float32, int, int64, int32:
		return "a number"
	case map[string]any, Resource:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("an unsupported %T", v)
}

// compareScalar orders two values of attribute a (a simple attribute or
// sub-attribute). ok is false when they cannot be ordered (a type
// mismatch), which callers treat as "no match" or "sorts last".
func compareScalar(a *Attribute, x, y any) (c int, ok bool) {
	switch a.Type {
	case TypeBoolean:
		bx, ok1 := x.(bool)
		by, ok2 := y.(bool)
		if !ok1 || !ok2 {
			return 0, false
		}
		return cmp.Compare(b2i(bx), b2i(by)), true
	case TypeInteger, TypeDecimal:
		return compareNumbers(x, y)
	case TypeDateTime:
		sx, ok1 := x.(string)
		sy, ok2 := y.(string)
		if !ok1 || !ok2 {
			return 0, false
		}
		tx, err1 := parseDateTime(sx)
		ty, err2 := parseDateTime(sy)
		if err1 != nil || err2 != nil {
			return strings.Compare(sx, sy), true
		}
		return tx.Compare(ty), true
	case TypeComplex:
		return 0, false
	}
	sx, ok1 := x.(string)
	sy, ok2 := y.(string)
	if !ok1 || !ok2 {
		return 0, false
	}
	if a.CaseExact {
		return strings.Compare(sx, sy), true
	}
	return compareFold(sx, sy), true
}

// compareFold orders strings ignoring case, without allocating.
func compareFold(x, y string) int {
	if strings.EqualFold(x, y) {
		return 0
	}
	return strings.Compare(strings.ToLower(x), strings.ToLower(y))
}

func compareNumbers(x, y any) (int, bool) {
	nx, ok1 := x.(json.Number)
	ny, ok2 := y.(json.Number)
	if !ok1 || !ok2 {
		return 0, false
	}
	if ix, err := nx.Int64(); err == nil {
		if iy, err := ny.Int64(); err == nil {
			return cmp.Compare(ix, iy), true
		}
	}
	fx, err1 := nx.Float64()
	fy, err2 := ny.Float64()
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return cmp.Compare(fx, fy), true
}

// equalScalar reports whether two values of attribute a are the same
// value, folding case unless a is caseExact.
func equalScalar(a *Attribute, x, y any) bool {
	if a.Type == TypeString || a.Type == TypeReference || a.Type == TypeBinary {
		sx, ok1 := x.(string)
		sy, ok2 := y.(string)
		if !ok1 || !ok2 {
			return false
		}
		// base64 is case-sensitive whatever the definition says.
		if a.CaseExact || a.Type == TypeBinary {
			return sx == sy
		}
		return strings.EqualFold(sx, sy)
	}
	c, ok := compareScalar(a, x, y)
	return ok && c == 0
}

// equalValue compares two canonical values of attribute a (whole value,
// multi-valued or complex included) with its case rules. It decides
// whether an immutable attribute is being changed.
func equalValue(a *Attribute, x, y any) bool {
	if a.MultiValued {
		xs, ok1 := x.([]any)
		ys, ok2 := y.([]any)
		if !ok1 || !ok2 || len(xs) != len(ys) {
			return false
		}
		single := *a
		single.MultiValued = false
		for i := range xs {
			if !equalValue(&single, xs[i], ys[i]) {
				return false
			}
		}
		return true
	}
	if a.Type != TypeComplex {
		return equalScalar(a, x, y)
	}
	mx, ok1 := x.(map[string]any)
	my, ok2 := y.(map[string]any)
	if !ok1 || !ok2 || len(mx) != len(my) {
		return false
	}
	for k, vx := range mx {
		vy, ok := my[k]
		sub := a.Sub(k)
		if !ok || sub == nil || !equalValue(sub, vx, vy) {
			return false
		}
	}
	return true
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// deepCopy copies a JSON tree so that PATCH can work on a copy and leave
// the caller's resource untouched when an operation fails.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case Resource:
		return Resource(deepCopy(map[string]any(x)).(map[string]any))
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

// Equal reports whether two resources hold the same JSON values. A handler
// uses it after PATCH to leave meta.lastModified alone when nothing
// changed (RFC 7644 §3.5.2.1).
func Equal(a, b Resource) bool { return reflect.DeepEqual(a, b) }
