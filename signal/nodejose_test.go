package signal_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/signal"
)

// TestNodeJoseVerifies checks our SETs and logout tokens with a third JOSE
// implementation, panva/jose on Node.js (testdata/nodejose, pinned in its
// package-lock.json), against the published JWKS: typ, iss, aud, the
// algorithm allow-list and the SET and logout-token rules. It needs Node
// and the npm registry: set TENURE_TEST_NODE_JOSE=1 (CI does).
func TestNodeJoseVerifies(t *testing.T) {
	t.Parallel()
	if os.Getenv("TENURE_TEST_NODE_JOSE") != "1" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but TENURE_TEST_NODE_JOSE is not 1 (this test is required in CI)")
		}
		t.Skip("set TENURE_TEST_NODE_JOSE=1 to verify with npm jose (runs npm ci in a temporary copy of testdata/nodejose)")
	}
	dir := t.TempDir()
	for _, f := range []string{"package.json", "package-lock.json", "verify.mjs"} {
		data, err := os.ReadFile(filepath.Join("testdata", "nodejose", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o600))
	}
	cmd := exec.CommandContext(t.Context(), "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))

	for _, alg := range signal.Algorithms {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.sig.Keys.Alg = func(string) string { return alg }
			rp := newRelyingParty(t, b, "wiki")
			b.set.LogoutApps = []signal.LogoutApp{rp.app("wiki")}
			push := newReceiver(b, "r1")
			id := b.createStream(t, b.ssf, fmt.Sprintf(`{"aud": "r1", "events_requested": %s,
				"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": %q}}`, allEvents(), newServer(t, push)))
			b.addSubject(t, b.ssf, id, `{"format": "opaque", "id": "E1003"}`)
			b.hrEvent(t, leave(carla))
			var sets []string
			for range 3 {
				sets = append(sets, push.next(t).Raw)
			}
			logout := <-rp.raw
			jwks := b.issuer() + "/jwks.json"
			type check struct {
				token, aud, typ string
				ok              bool
			}
			checks := []check{{logout, "wiki", "logout+jwt", true}, {logout, "other-client", "logout+jwt", false},
				{sets[0], "r1", "logout+jwt", false}, {tamper(sets[1]), "r1", "secevent+jwt", false}}
			for _, s := range sets {
				checks = append(checks, check{s, "r1", "secevent+jwt", true}, check{s, "r2", "secevent+jwt", false})
			}
			var in strings.Builder
			for _, c := range checks {
				line, _ := json.Marshal(map[string]string{"jwks": jwks, "token": c.token, "iss": b.issuer(), "aud": c.aud, "typ": c.typ})
				in.Write(append(line, '\n'))
			}
			node := exec.CommandContext(t.Context(), "node", "verify.mjs")
			node.Dir = dir
			node.Stdin = strings.NewReader(in.String())
			res, err := node.Output()
			require.NoError(t, err)
			sc := bufio.NewScanner(strings.NewReader(string(res)))
			sc.Buffer(nil, 1<<20)
			for i, c := range checks {
				require.True(t, sc.Scan(), "answer %d missing", i)
				var r struct {
					OK     bool           `json:"ok"`
					Error  string         `json:"error"`
					Claims map[string]any `json:"claims"`
				}
				require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
				require.Equal(t, c.ok, r.OK, "check %d (%s, aud %s): %s", i, c.typ, c.aud, r.Error)
				if c.ok && c.typ == "logout+jwt" {
					require.Equal(t, "carla.diaz@acme.example", r.Claims["sub"])
				}
			}
		})
	}
}

// tamper changes a SET's payload without re-signing it.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	b := []byte(parts[1])
	if b[5] == 'A' {
		b[5] = 'B'
	} else {
		b[5] = 'A'
	}
	return parts[0] + "." + string(b) + "." + parts[2]
}
