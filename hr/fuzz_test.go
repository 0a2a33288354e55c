package hr

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/person"
)

// fuzzMapping is used when the fuzzer picks a custom mapping, so that both
// the identity path and the mapped path (with attributes) are explored.
var fuzzMapping = Mapping{
	"id": "employeeId", "mail": "email", "start": "startDate", "end": "endDate",
	"state": "status", "boss": "managerId", "cc": "attributes.costCenter", "Tag": "attributes.tag",
}

func FuzzParseCSV(f *testing.F) {
	seeds := []string{
		"employeeId,email,startDate,endDate,status\nE1,a@b.c,2024-01-01,2025-01-01,active\nE2,,,,loa\n",
		"\uFEFFemployee_id,display_name\r\nE1,\"multi\r\nline \"\"quoted\"\"\"\r\n\r\nE2,x\r\n",
		"id,mail,cc,Tag,boss\nE1,A@B.C,CC1,,E2\nE2,b@c.d,,t,\n",
		"employeeId,\nE1,\n,,\n",
		"employeeId,email\nE1,bad\nE1,a@b@c\n",
		"employeeId,startDate,endDate\nE1,2024-03-01T00:00:00+02:00,2024-02-01T10:00:00\n",
		"employeeId,displayName\nE1,\"unterminated\n",
		"",
	}
	for _, s := range seeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, mapped bool) {
		checkParse(t, data, CSV, mapped)
	})
}

func FuzzParseJSONL(f *testing.F) {
	seeds := []string{
		`{"employeeId":"E1","email":"a@b.c","startDate":"2024-01-01","status":"Active"}` + "\n" + `{"employee_id":2,"attributes.x":true}`,
		"\uFEFF{\"id\":\"E1\",\"mail\":null,\"cc\":1.5e3}\r\n\r\n{\"id\":\"E2\",\"Tag\":\"\",\"boss\":\"E1\"}\n",
		`{"employeeId":"E1","email":"x","email":"y"}`,
		`{"employeeId":"E1","department":{"a":[1,2]}}`,
		"[\n{\"employeeId\":\"E1\"}\n]",
		`{"employeeId":"E1"} 7`,
		"\n\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, mapped bool) {
		checkParse(t, data, JSONL, mapped)
	})
}

// checkParse holds Parse to its contract on any input: no panic; either rows
// or an error, never both; rows with a trimmed, unique, non-empty ID, on
// increasing lines that exist in the input; errors made only of RowErrors.
func checkParse(t *testing.T, data []byte, f Format, mapped bool) {
	t.Helper()
	var m Mapping
	if mapped {
		m = fuzzMapping
	}
	const name = "fuzz.roster"
	rows, err := Parse(bytes.NewReader(data), name, f, m)
	if err != nil {
		require.Nil(t, rows)
		res := rowErrors(t, err)
		require.NotEmpty(t, res)
		require.LessOrEqual(t, len(res), maxProblems)
		for _, re := range res {
			require.Equal(t, name, re.File)
			require.True(t, strings.HasPrefix(re.Error(), name+":"), re.Error())
		}
		return
	}
	require.NotEmpty(t, rows)
	lines := bytes.Count(data, []byte("\n")) + 1
	seen := make(map[string]bool, len(rows))
	prev := 0
	for _, r := range rows {
		p := r.Person
		require.NotEmpty(t, p.ID)
		require.Equal(t, strings.TrimSpace(p.ID), p.ID)
		require.False(t, seen[p.ID], "duplicate ID %q", p.ID)
		seen[p.ID] = true
		require.Greater(t, r.Line, prev)
		require.LessOrEqual(t, r.Line, lines)
		prev = r.Line
		require.Empty(t, p.Status, "Parse must not derive the status")
		if p.Email != "" {
			require.Equal(t, 1, strings.Count(p.Email, "@"))
			require.Equal(t, strings.ToLower(p.Email), p.Email)
		}
		for _, d := range []time.Time{p.StartDate, p.EndDate} {
			if !d.IsZero() {
				require.Equal(t, person.Date(d), d, "dates are midnight UTC")
			}
		}
		if !p.StartDate.IsZero() && !p.EndDate.IsZero() {
			require.False(t, p.EndDate.Before(p.StartDate))
		}
		if p.Attributes != nil {
			require.NotEmpty(t, p.Attributes)
			for _, v := range p.Attributes {
				require.NotEmpty(t, v)
			}
		}
	}
	_ = CheckManagers(rows, name, nil)
}
