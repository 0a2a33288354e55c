// Package scimtest is a conformance suite for SCIM 2.0 service providers
// (RFC 7643, RFC 7644), run over HTTP against any base URL: Tenure's own
// handler in its tests, or a deployed server (Tenure's, or an app's that
// Tenure will provision) from a test or a command.
//
// It checks what clients rely on: discovery, User and Group CRUD,
// filters, PATCH, projection, sorting, paging, ETags, bulk, error
// responses, and the tolerances real IdPs need, each sent in the shape
// Microsoft Entra ID or Okta sends it. Optional features (PATCH, bulk,
// ETags, sorting) are tested when the server's /ServiceProviderConfig
// says it supports them, or as Config.Features says.
//
// The suite is safe against a shared server: everything it creates has a
// userName or displayName with a prefix unique to the run, queries are
// restricted to that prefix, and every resource it creates is deleted
// when its check ends, pass or fail.
package scimtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// Config says which server to test.
type Config struct {
	// BaseURL is the SCIM root, such as "https://tenure.example/t/acme/scim/v2";
	// paths like "/Users" are appended to it.
	BaseURL string
	// Token is sent as "Authorization: Bearer <Token>"; empty sends no
	// Authorization header.
	Token string
	// Client sends the requests; nil means a client with a 30 s timeout.
	Client *http.Client
	// Features lists the optional features to test; nil reads them from
	// the server's /ServiceProviderConfig. Set it to test what a server
	// should support rather than what it claims.
	Features *Features
}

// Features are the optional SCIM features (RFC 7643 §5) the suite tests.
// A feature that is off has its checks skipped.
type Features struct {
	// Patch: PATCH semantics and the PATCH-based tolerances.
	Patch bool
	// Bulk: /Bulk with bulkId references and its limits.
	Bulk bool
	// ETag: ETag headers, If-Match and If-None-Match.
	ETag bool
	// Sort: sortBy and sortOrder.
	Sort bool
	// BulkMaxOperations and BulkMaxPayloadSize are the limits to test
	// (413 just above them); zero skips that test.
	BulkMaxOperations, BulkMaxPayloadSize int
}

// Result is the outcome of one check under Check.
type Result struct {
	// Name is the check's path, such as "filters/eq".
	Name string
	// Failed and Skipped; neither means passed.
	Failed, Skipped bool
	// Messages are the failures, skip reason and logs, in order.
	Messages []string
}

// Report is the outcome of Check.
type Report struct {
	// Features are those that were tested.
	Features Features
	// Results holds every check and sub-check, sorted by name.
	Results []Result
}

// Failed reports whether any check failed.
func (r Report) Failed() bool {
	return slices.ContainsFunc(r.Results, func(res Result) bool { return res.Failed })
}

// Run runs the suite as subtests of t. The features are read first, and
// a server that cannot serve /ServiceProviderConfig fails t at once.
func Run(t *testing.T, cfg Config) {
	t.Helper()
	s, err := newSuite(t.Context(), cfg)
	if err != nil {
		t.Fatalf("scimtest: %v", err)
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) { c.run(&env{runner: testingRunner{t}, s: s}) })
	}
}

// Check runs the suite outside go test, one check after another, and
// returns what passed and failed. The error is for a suite that could not
// start (no /ServiceProviderConfig); failed checks are in the report.
func Check(ctx context.Context, cfg Config) (Report, error) {
	s, err := newSuite(ctx, cfg)
	if err != nil {
		return Report{}, fmt.Errorf("scimtest: %w", err)
	}
	rb := &reportBuilder{}
	for _, c := range checks {
		rec := &recorder{ctx: ctx, name: c.name, report: rb}
		rec.exec(func(r runner) { c.run(&env{runner: r, s: s}) })
	}
	slices.SortStableFunc(rb.results, func(a, b Result) int { return strings.Compare(a.Name, b.Name) })
	return Report{Features: s.features, Results: rb.results}, nil
}

// check is one top-level area of the suite.
type check struct {
	name string
	run  func(t *env)
}

// checks is the suite, in the order it runs.
var checks = []check{
	{"discovery", checkDiscovery},
	{"users", checkUsers},
	{"groups", checkGroups},
	{"filters", checkFilters},
	{"patch", checkPatch},
	{"projection", checkProjection},
	{"sorting", checkSorting},
	{"paging", checkPaging},
	{"etags", checkETags},
	{"bulk", checkBulk},
	{"errors", checkErrors},
	{"tolerance", checkTolerances},
}

// suite is the state shared by the checks of one run.
type suite struct {
	base     string
	token    string
	client   *http.Client
	features Features
	// prefix starts every userName and displayName the run creates.
	prefix string
}

func newSuite(ctx context.Context, cfg Config) (*suite, error) {
	if cfg.BaseURL == "" {
		return nil, fmt.Errorf("Config.BaseURL is empty")
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	s := &suite{
		base:   strings.TrimSuffix(cfg.BaseURL, "/"),
		token:  cfg.Token,
		client: cfg.Client,
		prefix: "scimtest-" + hex.EncodeToString(rnd[:]) + "-",
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Features != nil {
		s.features = *cfg.Features
		return s, nil
	}
	f, err := s.readFeatures(ctx)
	if err != nil {
		return nil, err
	}
	s.features = f
	return s, nil
}

// readFeatures reads the optional features from /ServiceProviderConfig.
func (s *suite) readFeatures(ctx context.Context) (Features, error) {
	resp, err := s.send(ctx, http.MethodGet, "/ServiceProviderConfig", nil, nil)
	if err != nil {
		return Features{}, err
	}
	if resp.Status != http.StatusOK || resp.JSON == nil {
		return Features{}, fmt.Errorf("GET /ServiceProviderConfig: status %d, body %s", resp.Status, resp.snippet())
	}
	supported := func(name string) bool {
		m, _ := resp.JSON[name].(map[string]any)
		b, _ := m["supported"].(bool)
		return b
	}
	f := Features{Patch: supported("patch"), Bulk: supported("bulk"), ETag: supported("etag"), Sort: supported("sort")}
	if bulk, ok := resp.JSON["bulk"].(map[string]any); ok {
		f.BulkMaxOperations = intOf(bulk["maxOperations"])
		f.BulkMaxPayloadSize = intOf(bulk["maxPayloadSize"])
	}
	return f, nil
}
