package reconcile

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
)

// An app without an API (a manual connector) is reconciled from an account
// export its owner uploads: a CSV file with a header row. Columns, in any
// order and case:
//
//	id            the app's id of the account (default: the userName)
//	userName      the login name
//	email         the account's email
//	displayName   the name shown
//	externalId    the person the app links the account to (an employeeId)
//	status        enabled/active/true/yes or disabled/inactive/false/no/suspended (default enabled)
//	entitlements  groups or roles, separated by ";"
//	owner         a service account's owner (an employeeId)
//
// Any other column is kept as an attribute of that name. The export is
// checked whole before anything is classified: a malformed file is
// rejected with the line of its first problem, and nothing is applied.

// maxExportBytes bounds an export read into memory (a manual app is small).
const maxExportBytes = 64 << 20

// ParseExport reads an account export; name labels errors ("accounts.csv").
func ParseExport(r io.Reader, name string) ([]account.Account, error) {
	cr := csv.NewReader(io.LimitReader(r, maxExportBytes+1))
	cr.FieldsPerRecord = 0
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s line 1: empty export: want a header row (id, userName, email, status, entitlements, …)", name)
	}
	if err != nil {
		return nil, exportErr(name, err)
	}
	cols := map[string]int{}
	names := make([]string, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		key := canonical(h)
		if h == "" {
			return nil, fmt.Errorf("%s line 1: column %d has no name", name, i+1)
		}
		if j, dup := cols[key]; dup {
			return nil, fmt.Errorf("%s line 1: column %q repeats column %d", name, h, j+1)
		}
		cols[key], names[i] = i, h
	}
	_, hasID := cols["id"]
	_, hasUser := cols["username"]
	if !hasID && !hasUser {
		return nil, fmt.Errorf("%s line 1: no id or userName column (have: %s)", name, strings.Join(names, ", "))
	}
	var out []account.Account
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, exportErr(name, err)
		}
		line, _ := cr.FieldPos(0)
		a, err := exportRow(rec, names, cols)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", name, line, err)
		}
		if first, dup := seen[a.ExternalID]; dup {
			return nil, fmt.Errorf("%s line %d: account %q repeats line %d", name, line, a.ExternalID, first)
		}
		seen[a.ExternalID] = line
		out = append(out, a)
	}
	if cr.InputOffset() > maxExportBytes {
		return nil, fmt.Errorf("%s: export larger than %d MiB", name, maxExportBytes>>20)
	}
	return out, nil
}

func canonical(h string) string {
	return strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(h), "_", ""), " ", ""))
}

func exportErr(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s line %d: %v", name, pe.Line, pe.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

func exportRow(rec, names []string, cols map[string]int) (account.Account, error) {
	get := func(k string) string {
		if i, ok := cols[k]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	a := account.Account{
		ExternalID: get("id"), UserName: get("username"), PersonID: get("externalid"),
		State: account.Enabled, ServiceOwner: get("owner"),
	}
	if a.PersonID == "" {
		a.PersonID = get("employeeid")
	}
	if a.ExternalID == "" {
		a.ExternalID = a.UserName
	}
	if a.ExternalID == "" {
		return a, errors.New("no id or userName")
	}
	switch st := strings.ToLower(get("status")); st {
	case "", "enabled", "active", "true", "yes":
	case "disabled", "inactive", "false", "no", "suspended", "locked":
		a.State = account.Disabled
	default:
		return a, fmt.Errorf("status %q: want enabled or disabled", get("status"))
	}
	if e := get("entitlements"); e != "" {
		for _, x := range strings.Split(e, ";") {
			if x = strings.TrimSpace(x); x != "" && !a.Has(x) {
				a.Entitlements = append(a.Entitlements, x)
			}
		}
	}
	attrs := map[string]string{}
	for i, n := range names {
		switch canonical(n) {
		case "id", "username", "externalid", "employeeid", "status", "entitlements", "owner":
			continue
		case "email":
			n = "email"
		case "displayname":
			n = "displayName"
		}
		if i < len(rec) && strings.TrimSpace(rec[i]) != "" {
			attrs[n] = strings.TrimSpace(rec[i])
		}
	}
	if len(attrs) > 0 {
		a.Attributes = attrs
	}
	return a, nil
}

// exportLister pages through a parsed export.
type exportLister struct{ accounts []account.Account }

// ExportLister is a connector.Lister over an export's accounts.
func ExportLister(accounts []account.Account) connector.Lister { return exportLister{accounts} }

const exportPage = 500

func (l exportLister) List(_ context.Context, cursor string) ([]account.Account, string, error) {
	from := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 || n > len(l.accounts) {
			return nil, "", fmt.Errorf("export: bad cursor %q", cursor)
		}
		from = n
	}
	to := min(from+exportPage, len(l.accounts))
	next := ""
	if to < len(l.accounts) {
		next = strconv.Itoa(to)
	}
	return l.accounts[from:to], next, nil
}
