package account

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ParseJSONL reads an export of app accounts, one JSON object per line:
//
//	{"app":"github","externalId":"gh-42","person":"E1001","userName":"ann@acme.example",
//	 "state":"enabled","entitlements":["engineering"],"attributes":{"email":"ann@acme.example"}}
//
// It is how the known actual state is loaded until connectors read it
// themselves. Unknown keys, a missing app or externalId, a bad state or a
// duplicate (app, externalId) reject the whole file with name:line.
func ParseJSONL(r io.Reader, name string) ([]Account, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	var out []Account
	var errs []error
	seen := map[[2]string]int{}
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		}
		if len(b) == 0 {
			continue
		}
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...)))
		}
		var a Account
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&a); err != nil {
			bad("%v", strings.TrimPrefix(err.Error(), "json: "))
			continue
		}
		switch {
		case a.App == "":
			bad(`missing "app"`)
		case a.ExternalID == "":
			bad(`missing "externalId"`)
		case a.State == "":
			a.State = Enabled
		case a.State != Enabled && a.State != Disabled:
			bad(`"state" is %q, want "enabled" or "disabled"`, a.State)
		}
		k := [2]string{a.App, a.ExternalID}
		if first, dup := seen[k]; dup && a.App != "" {
			bad("account %s in %s already on line %d", a.ExternalID, a.App, first)
		}
		seen[k] = line
		out = append(out, a)
		if len(errs) >= 20 {
			break
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}
