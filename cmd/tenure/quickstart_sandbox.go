package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tenure-dev/tenure/httpapi"
	"github.com/tenure-dev/tenure/lifecycle"
)

// The quickstart's sandbox: every SCIM app of the example config is played
// by a tenant of its own ("sandbox-github", …) whose SCIM 2.0 service
// provider — the same HTTP API `tenure serve` runs — holds that app's
// accounts, on a loopback port. acme's connectors provision it over real
// HTTP, and the demo reads it back the same way.

// sandboxTenant is the tenant that plays app.
func sandboxTenant(app string) string { return "sandbox-" + app }

// quickstartConfig rewrites the example config so that each scim app
// points at its sandbox tenant under base (http://127.0.0.1:PORT), with its
// token in tokenDir/APP.token, and appends the sandbox tenants. It returns
// the new config and the rewritten apps in file order. The example's
// comments and layout are kept; only the url and token_env lines of scim
// connectors change, and their rate_limit lines go: the sandbox has no
// limit to respect, and the demo should take a second, not half a minute.
func quickstartConfig(example []byte, base, tokenDir string) ([]byte, []string, error) {
	var out bytes.Buffer
	var apps []string
	app, scim := "", false
	sc := bufio.NewScanner(bytes.NewReader(example))
	for sc.Scan() {
		line := sc.Text()
		trim := strings.TrimSpace(line)
		indent := line[:len(line)-len(strings.TrimLeft(line, " "))]
		switch {
		case strings.HasPrefix(trim, "- id: ") && strings.HasPrefix(line, "      - id: "):
			app, scim = strings.Fields(trim)[2], false
		case trim == "type: scim":
			scim = true
			apps = append(apps, app)
		case scim && strings.HasPrefix(trim, "url: "):
			line = indent + "url: " + base + "/t/" + sandboxTenant(app) + "/scim/v2"
		case scim && strings.HasPrefix(trim, "rate_limit: "):
			continue
		case scim && strings.HasPrefix(trim, "token_env: "):
			line = indent + "token_file: " + filepath.Join(tokenDir, app+".token") + "\n" +
				indent + "allow_loopback: true          # the sandbox is served on this machine"
		}
		out.WriteString(line + "\n")
	}
	if len(apps) == 0 {
		return nil, nil, errors.New("quickstart: the example config has no scim app")
	}
	out.WriteString("\n  # The quickstart's sandbox: each SCIM app above is played by a tenant of\n" +
		"  # the same server, whose SCIM 2.0 service provider holds that app's accounts.\n")
	for _, a := range apps {
		fmt.Fprintf(&out, "  - id: %s\n    guard: {max_removals_percent: 100}\n", sandboxTenant(a))
	}
	return out.Bytes(), apps, nil
}

// sandbox serves the sandbox tenants over HTTP on a loopback listener.
type sandbox struct {
	base   string            // http://127.0.0.1:PORT
	apps   []string          // the app ids played, in config order
	tokens map[string]string // app → its tenant's scim token
	hs     *http.Server
	closer func()
}

// startSandbox creates the sandbox tenants, a scim token for each (written
// to its token_file), serves them on ln and creates the groups acme's
// roles grant in each app, as the app's admin would.
func startSandbox(ctx context.Context, a *app, ln net.Listener, cfgPath string, apps []string) (*sandbox, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	svc, closer, err := a.service(ctx)
	if err != nil {
		return nil, err
	}
	svc.Actor = "sandbox"
	sb := &sandbox{base: "http://" + ln.Addr().String(), apps: apps, tokens: map[string]string{}, closer: closer}
	tenants := map[string]*lifecycle.Tenant{}
	acme, ok := cfg.Tenant("acme")
	if !ok {
		closer()
		return nil, errors.New("quickstart: no tenant acme in the config")
	}
	for _, app := range apps {
		id := sandboxTenant(app)
		ct, ok := cfg.Tenant(id)
		if !ok {
			closer()
			return nil, fmt.Errorf("quickstart: no tenant %s in the config", id)
		}
		if err := svc.CreateTenant(ctx, id); err != nil {
			closer()
			return nil, err
		}
		t, err := svc.Tenant(lifecycle.FromConfig(ct))
		if err != nil {
			closer()
			return nil, err
		}
		tenants[id] = t
		secret, _, err := svc.CreateToken(ctx, id, []string{"scim"}, "acme's provisioning (quickstart)")
		if err != nil {
			closer()
			return nil, err
		}
		sb.tokens[app] = secret
		ca, _ := acme.App(app)
		if err := os.WriteFile(ca.Connector.TokenFile, []byte(secret+"\n"), 0o600); err != nil {
			closer()
			return nil, err
		}
	}
	api := &httpapi.Server{Service: svc, Log: a.log,
		Tenants: func(id string) (*lifecycle.Tenant, bool) { t, ok := tenants[id]; return t, ok }}
	sb.hs = &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = sb.hs.Serve(ln) }()

	for _, app := range apps {
		var groups []string
		for _, r := range acme.Roles {
			for _, g := range r.Grants {
				if g.App == app && g.Entitlement != "" && !slices.Contains(groups, g.Entitlement) {
					groups = append(groups, g.Entitlement)
				}
			}
		}
		for _, g := range groups {
			body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":` + jsonString(g) + `}`
			if _, err := sb.do(ctx, app, http.MethodPost, "/Groups", body); err != nil {
				sb.stop()
				return nil, err
			}
		}
	}
	return sb, nil
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }

// stop shuts the server down and closes its store.
func (sb *sandbox) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = sb.hs.Shutdown(ctx)
	sb.closer()
}

// do sends one SCIM request to app's sandbox and decodes the answer.
func (sb *sandbox) do(ctx context.Context, app, method, path, body string) (map[string]any, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, sb.base+"/t/"+sandboxTenant(app)+"/scim/v2"+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+sb.tokens[app])
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil && resp.StatusCode != http.StatusNoContent {
		return nil, fmt.Errorf("sandbox %s %s: %s: %w", method, path, resp.Status, err)
	}
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("sandbox %s %s: %s: %v", method, path, resp.Status, out["detail"])
	}
	return out, nil
}

// sandboxAccount is one account as the sandbox holds it.
type sandboxAccount struct {
	ID, ExternalID, UserName string
	Active                   bool
	Groups                   []string
}

// accounts reads app's users and groups over SCIM.
func (sb *sandbox) accounts(ctx context.Context, app string) ([]sandboxAccount, error) {
	users, err := sb.do(ctx, app, http.MethodGet, "/Users?count=1000&sortBy=externalId", "")
	if err != nil {
		return nil, err
	}
	groups, err := sb.do(ctx, app, http.MethodGet, "/Groups?count=1000", "")
	if err != nil {
		return nil, err
	}
	memberOf := map[string][]string{}
	for _, g := range list(groups["Resources"]) {
		for _, m := range list(g["members"]) {
			id, _ := m["value"].(string)
			name, _ := g["displayName"].(string)
			memberOf[id] = append(memberOf[id], name)
		}
	}
	var out []sandboxAccount
	for _, u := range list(users["Resources"]) {
		acc := sandboxAccount{}
		acc.ID, _ = u["id"].(string)
		acc.ExternalID, _ = u["externalId"].(string)
		acc.UserName, _ = u["userName"].(string)
		acc.Active, _ = u["active"].(bool)
		acc.Groups = memberOf[acc.ID]
		slices.Sort(acc.Groups)
		out = append(out, acc)
	}
	slices.SortFunc(out, func(a, b sandboxAccount) int { return strings.Compare(a.ExternalID, b.ExternalID) })
	return out, nil
}

func list(v any) []map[string]any {
	var out []map[string]any
	vs, _ := v.([]any)
	for _, e := range vs {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// print shows, per sandbox app, how many accounts it holds and each
// group's size, then every account of the people named in detail.
func (sb *sandbox) print(ctx context.Context, w io.Writer, detail ...string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "APP\tTENANT\tACCOUNTS\tACTIVE\tGROUPS")
	var lines []string
	for _, app := range sb.apps {
		accs, err := sb.accounts(ctx, app)
		if err != nil {
			return err
		}
		active, size := 0, map[string]int{}
		for _, acc := range accs {
			if acc.Active {
				active++
			}
			for _, g := range acc.Groups {
				size[g]++
			}
			if slices.Contains(detail, acc.ExternalID) {
				state := "active"
				if !acc.Active {
					state = "DISABLED"
				}
				lines = append(lines, fmt.Sprintf("%s\t%s\t%s\t%s\t%s", acc.ExternalID, app, acc.UserName, state, groupList(acc.Groups)))
			}
		}
		var gs []string
		for _, g := range slices.Sorted(maps.Keys(size)) {
			gs = append(gs, fmt.Sprintf("%s (%d)", g, size[g]))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", app, sandboxTenant(app), len(accs), active, strings.Join(gs, ", "))
	}
	if len(lines) > 0 {
		slices.Sort(lines)
		fmt.Fprintln(tw, "\nPERSON\tAPP\tUSERNAME\tSTATE\tGROUPS")
		for _, l := range lines {
			fmt.Fprintln(tw, l)
		}
	}
	return tw.Flush()
}

func groupList(gs []string) string {
	if len(gs) == 0 {
		return "-"
	}
	return strings.Join(gs, ", ")
}
