package hr

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/person"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// rowErrors unpacks the problems of a Parse or CheckManagers error.
func rowErrors(t *testing.T, err error) []*RowError {
	t.Helper()
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	out := make([]*RowError, 0, len(errs))
	for _, e := range errs {
		var re *RowError
		require.ErrorAs(t, e, &re)
		out = append(out, re)
	}
	return out
}

func TestFormatOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		want    Format
		wantErr bool
	}{
		{name: "roster.csv", want: CSV},
		{name: "/exports/ROSTER.CSV", want: CSV},
		{name: "roster.jsonl", want: JSONL},
		{name: "roster.ndjson", want: JSONL},
		{name: "roster.json", want: JSONL},
		{name: "roster.xlsx", wantErr: true},
		{name: "roster", wantErr: true},
		{name: "roster.csv.gz", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := FormatOf(tt.name)
			if tt.wantErr {
				require.ErrorContains(t, err, tt.name)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestValidTarget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		field string
		want  bool
	}{
		{"employeeId", true},
		{"startDate", true},
		{"status", true},
		{"attributes.costCenter", true},
		{"attributes.cost center", true},
		{"attributes.", false},
		{"attributes. ", false},
		{"EmployeeId", false},
		{"employee_id", false},
		{"onLeave", false},
		{"attributes", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, ValidTarget(tt.field))
		})
	}
}

// TestFieldsMatchPerson fails when person.Fields gains a field Parse cannot
// fill, or loses one it still accepts.
func TestFieldsMatchPerson(t *testing.T) {
	t.Parallel()
	require.ElementsMatch(t, person.Fields, fieldNames[:])
	for _, f := range person.Fields {
		require.True(t, ValidTarget(f), f)
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	full := person.Person{
		ID: "E1", Email: "ada@example.com", GivenName: "Ada", FamilyName: "Lovelace",
		DisplayName: "Ada L", Department: "Eng", Title: "Engineer", Location: "London",
		ManagerID: "E2", EmploymentType: "full-time",
		StartDate: day("2024-01-15"), EndDate: day("2026-06-30"),
	}
	boss := person.Person{ID: "E2", Email: "grace@example.com"}
	tests := []struct {
		name   string
		format Format
		m      Mapping
		in     string
		want   []Row
	}{
		{
			name:   "csv identity camelCase",
			format: CSV,
			in: "employeeId,email,givenName,familyName,displayName,department,title,location,managerId,employmentType,startDate,endDate,status\n" +
				"E1,Ada@Example.com,Ada,Lovelace,Ada L,Eng,Engineer,London,E2,full-time,2024-01-15,2026-06-30,active\n" +
				"E2,grace@example.com,,,,,,,,,,,\n",
			want: []Row{{Line: 2, Person: full}, {Line: 3, Person: boss}},
		},
		{
			name:   "csv identity snake_case, any case, trimmed headers and values",
			format: CSV,
			in: " Employee_ID ,EMAIL,given_name,family_name,display_name,department,title,location,manager_id,employment_type,start_date,end_date\n" +
				"  E1 , ada@example.com ,Ada,Lovelace,Ada L,Eng,Engineer,London,E2,full-time,2024-01-15,2026-06-30\n" +
				"E2,grace@example.com,,,,,,,,,,\n",
			want: []Row{{Line: 2, Person: full}, {Line: 3, Person: boss}},
		},
		{
			name:   "csv BOM, CRLF, quoted multi-line field, blank and empty rows",
			format: CSV,
			in: "\uFEFFemployeeId,displayName,title\r\n" +
				"\r\n" +
				"E1,\"Ada \"\"the first\"\"\r\nLovelace\",Engineer\r\n" +
				"E2, \"Hopper, Grace\",\"multi\nline\nvalue\"\r\n" +
				",,\r\n" +
				"   \r\n" +
				"E3,Linus,\r\n",
			want: []Row{
				{Line: 3, Person: person.Person{ID: "E1", DisplayName: "Ada \"the first\"\nLovelace", Title: "Engineer"}},
				{Line: 5, Person: person.Person{ID: "E2", DisplayName: "Hopper, Grace", Title: "multi\nline\nvalue"}},
				{Line: 10, Person: person.Person{ID: "E3", DisplayName: "Linus"}},
			},
		},
		{
			name:   "csv custom mapping with attributes, matched case-insensitively",
			format: CSV,
			m: Mapping{
				"Worker ID": "employeeId", "Work Email": "email", "Cost Center": "attributes.costCenter",
				"Union": "attributes.union", "Dept": "department",
			},
			in: "worker id,WORK EMAIL,Cost Center,union,Dept\n" +
				"E1,ada@example.com,CC-1,,Eng\n" +
				"E2,grace@example.com,,,\n",
			want: []Row{
				{Line: 2, Person: person.Person{ID: "E1", Email: "ada@example.com", Department: "Eng",
					Attributes: map[string]string{"costCenter": "CC-1"}}},
				{Line: 3, Person: person.Person{ID: "E2", Email: "grace@example.com"}},
			},
		},
		{
			name:   "csv identity attributes column",
			format: CSV,
			in:     "employeeId,attributes.badge\nE1,B-7\n",
			want:   []Row{{Line: 2, Person: person.Person{ID: "E1", Attributes: map[string]string{"badge": "B-7"}}}},
		},
		{
			name:   "csv dates in every accepted form",
			format: CSV,
			in: "employeeId,startDate,endDate\n" +
				"E1,2024-01-15,2024-02-01T17:30:00Z\n" +
				"E2,2024-01-15T09:00:00,2024-01-15T23:59:59.999\n" +
				"E3,2024-03-01T00:00:00+02:00,2024-03-31T23:00:00-05:00\n",
			want: []Row{
				{Line: 2, Person: person.Person{ID: "E1", StartDate: day("2024-01-15"), EndDate: day("2024-02-01")}},
				{Line: 3, Person: person.Person{ID: "E2", StartDate: day("2024-01-15"), EndDate: day("2024-01-15")}},
				{Line: 4, Person: person.Person{ID: "E3", StartDate: day("2024-03-01"), EndDate: day("2024-03-31")}},
			},
		},
		{
			name:   "csv status words",
			format: CSV,
			in: "employeeId,status\n" +
				"A,Active\nB,pre-hire\nC,PREHIRE\nD,hired\nE,\n" +
				"F,on-leave\nG,Leave\nH,LOA\nI,on leave\nJ,Leave of Absence\n" +
				"K,terminated\nL,Inactive\nM,separated\n",
			want: []Row{
				{Line: 2, Person: person.Person{ID: "A"}},
				{Line: 3, Person: person.Person{ID: "B"}},
				{Line: 4, Person: person.Person{ID: "C"}},
				{Line: 5, Person: person.Person{ID: "D"}},
				{Line: 6, Person: person.Person{ID: "E"}},
				{Line: 7, Person: person.Person{ID: "F", OnLeave: true}},
				{Line: 8, Person: person.Person{ID: "G", OnLeave: true}},
				{Line: 9, Person: person.Person{ID: "H", OnLeave: true}},
				{Line: 10, Person: person.Person{ID: "I", OnLeave: true}},
				{Line: 11, Person: person.Person{ID: "J", OnLeave: true}},
				{Line: 12, Person: person.Person{ID: "K", Terminated: true}},
				{Line: 13, Person: person.Person{ID: "L", Terminated: true}},
				{Line: 14, Person: person.Person{ID: "M", Terminated: true}},
			},
		},
		{
			name:   "csv column without header name but without values is ignored",
			format: CSV,
			in:     "employeeId,email,\nE1,ada@example.com,\n",
			want:   []Row{{Line: 2, Person: person.Person{ID: "E1", Email: "ada@example.com"}}},
		},
		{
			name:   "jsonl identity, snake_case, scalar types, blank lines, BOM, CRLF",
			format: JSONL,
			in: "\uFEFF{\"employeeId\":\"E1\",\"email\":\"Ada@Example.com\",\"given_name\":\"Ada\",\"familyName\":\"Lovelace\"," +
				"\"displayName\":\"Ada L\",\"department\":\"Eng\",\"title\":\"Engineer\",\"location\":\"London\",\"manager_id\":\"E2\"," +
				"\"employmentType\":\"full-time\",\"startDate\":\"2024-01-15\",\"end_date\":\"2026-06-30T10:00:00Z\",\"status\":\"Active\"}\r\n" +
				"\r\n" +
				"  \n" +
				"{\"employee_id\": 2, \"email\": \"grace@example.com\", \"title\": null, \"department\": \"\", \"status\": null}\n" +
				"{\"EmployeeID\": \"E3\", \"attributes.remote\": true, \"attributes.level\": 3.5, \"status\": \"LOA\"}",
			want: []Row{
				{Line: 1, Person: full},
				{Line: 4, Person: person.Person{ID: "2", Email: "grace@example.com"}},
				{Line: 5, Person: person.Person{ID: "E3", OnLeave: true,
					Attributes: map[string]string{"remote": "true", "level": "3.5"}}},
			},
		},
		{
			name:   "jsonl custom mapping with attributes",
			format: JSONL,
			m:      Mapping{"id": "employeeId", "mail": "email", "cc": "attributes.costCenter", "badge": "attributes.badge"},
			in: `{"id":"E1","mail":"ada@example.com","cc":"CC-1","badge":""}` + "\n" +
				`{"ID":"E2","Mail":"grace@example.com"}` + "\n",
			want: []Row{
				{Line: 1, Person: person.Person{ID: "E1", Email: "ada@example.com", Attributes: map[string]string{"costCenter": "CC-1"}}},
				{Line: 2, Person: person.Person{ID: "E2", Email: "grace@example.com"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rows, err := Parse(strings.NewReader(tt.in), "roster."+string(tt.format), tt.format, tt.m)
			require.NoError(t, err)
			require.Equal(t, tt.want, rows)
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format Format
		m      Mapping
		in     string
		is     []error
		// msg is the whole error text: file, line, column and wording.
		msg string
	}{
		{
			name:   "bad date",
			format: CSV,
			in:     "employee_id,start_date\nE1,2026-01-01\nE2,2026-13-01\n",
			is:     []error{ErrBadDate},
			msg:    `roster.csv:3: column "start_date": cannot parse date "2026-13-01" (want YYYY-MM-DD)`,
		},
		{
			name:   "bad date form",
			format: JSONL,
			in:     `{"employeeId":"E1","endDate":"01/02/2026"}`,
			is:     []error{ErrBadDate},
			msg:    `roster.jsonl:1: column "endDate": cannot parse date "01/02/2026" (want YYYY-MM-DD)`,
		},
		{
			name:   "end before start",
			format: CSV,
			in:     "employeeId,startDate,End Date\nE1,2026-02-01,2026-01-31\n",
			m:      Mapping{"employeeId": "employeeId", "startDate": "startDate", "end date": "endDate"},
			is:     []error{ErrBadDate},
			msg:    `roster.csv:2: column "End Date": end date 2026-01-31 is before start date 2026-02-01`,
		},
		{
			name:   "unknown column reported once on the header line",
			format: CSV,
			in:     "employeeId,Shoe Size,shoe size\nE1,42,42\nE2,43,43\n",
			is:     []error{ErrUnknownColumn},
			msg:    `roster.csv:1: column "Shoe Size": unknown column (map it to a roster field or to attributes.NAME)`,
		},
		{
			name:   "a mapping is exhaustive: identity names are not added to it",
			format: CSV,
			m:      Mapping{"ID": "employeeId"},
			in:     "id,email\nE1,a@b.c\n",
			is:     []error{ErrUnknownColumn},
			msg:    `roster.csv:1: column "email": unknown column (map it to a roster field or to attributes.NAME)`,
		},
		{
			name:   "unknown key reported once, on its first line",
			format: JSONL,
			in:     "{\"employeeId\":\"E1\"}\n{\"employeeId\":\"E2\",\"shoe\":42}\n{\"employeeId\":\"E3\",\"shoe\":43}\n",
			is:     []error{ErrUnknownColumn},
			msg:    `roster.jsonl:2: column "shoe": unknown key (map it to a roster field or to attributes.NAME)`,
		},
		{
			name:   "no id column",
			format: CSV,
			in:     "email\na@b.c\n",
			is:     []error{ErrMissingKey},
			msg:    `roster.csv:1: missing employee ID: no column maps to employeeId`,
		},
		{
			name:   "empty id",
			format: CSV,
			in:     "employee_id,email\nE1,a@b.c\n  ,b@b.c\n",
			is:     []error{ErrMissingKey},
			msg:    `roster.csv:3: column "employee_id": missing employee ID: the value is empty`,
		},
		{
			name:   "jsonl record without id key",
			format: JSONL,
			in:     "{\"employeeId\":\"E1\"}\n{\"email\":\"a@b.c\"}\n",
			is:     []error{ErrMissingKey},
			msg:    `roster.jsonl:2: missing employee ID: no key of this record maps to employeeId`,
		},
		{
			name:   "jsonl null id",
			format: JSONL,
			in:     "{\"employeeId\":null}\n",
			is:     []error{ErrMissingKey},
			msg:    `roster.jsonl:1: column "employeeId": missing employee ID: the value is empty`,
		},
		{
			name:   "jsonl mapping without id",
			format: JSONL,
			m:      Mapping{"mail": "email"},
			in:     "{\"mail\":\"a@b.c\"}\n",
			is:     []error{ErrMissingKey},
			msg:    `roster.jsonl: missing employee ID: no key of the mapping maps to employeeId`,
		},
		{
			name:   "duplicate id names the first line",
			format: CSV,
			in:     "employeeId\nE1\nE2\nE1\n",
			is:     []error{ErrDuplicateID},
			msg:    `roster.csv:4: column "employeeId": duplicate employee ID "E1" (first on line 2)`,
		},
		{
			name:   "jsonl duplicate id",
			format: JSONL,
			in:     "{\"employeeId\":\"E1\"}\n\n{\"employeeId\":\" E1 \"}\n",
			is:     []error{ErrDuplicateID},
			msg:    `roster.jsonl:3: column "employeeId": duplicate employee ID "E1" (first on line 1)`,
		},
		{
			name:   "email without @",
			format: CSV,
			in:     "employeeId,email\nE1,ada.example.com\n",
			is:     []error{ErrBadValue},
			msg:    `roster.csv:2: column "email": "ada.example.com" is not an email address (want one "@" with text on both sides, no spaces)`,
		},
		{
			name:   "email with two @",
			format: CSV,
			in:     "employeeId,email\nE1,a@b@c\n",
			is:     []error{ErrBadValue},
			msg:    `roster.csv:2: column "email": "a@b@c" is not an email address (want one "@" with text on both sides, no spaces)`,
		},
		{
			name:   "email with nothing after @",
			format: JSONL,
			in:     `{"employeeId":"E1","email":"ada@"}`,
			is:     []error{ErrBadValue},
			msg:    `roster.jsonl:1: column "email": "ada@" is not an email address (want one "@" with text on both sides, no spaces)`,
		},
		{
			name:   "unknown status lists the accepted words",
			format: CSV,
			in:     "employeeId,Status\nE1,retired\n",
			is:     []error{ErrBadValue},
			msg: `roster.csv:2: column "Status": unknown status "retired" (want one of: active, pre-hire, prehire, hired, ` +
				`on-leave, leave, loa, on leave, leave of absence, terminated, inactive, separated)`,
		},
		{
			name:   "not UTF-8",
			format: CSV,
			in:     "employeeId,familyName\nE1,M\xfcller\n",
			is:     []error{ErrBadValue},
			msg:    `roster.csv:2: column "familyName": value is not valid UTF-8 (export the file as UTF-8)`,
		},
		{
			name:   "empty file",
			format: CSV,
			in:     "",
			is:     []error{ErrEmpty},
			msg:    `roster.csv: no rows: refusing an empty roster, it would look like everyone left`,
		},
		{
			name:   "header only",
			format: CSV,
			in:     "\uFEFFemployeeId,email\r\n\r\n,\r\n",
			is:     []error{ErrEmpty},
			msg:    `roster.csv: no rows: refusing an empty roster, it would look like everyone left`,
		},
		{
			name:   "jsonl blank lines only",
			format: JSONL,
			in:     "\n  \n\r\n",
			is:     []error{ErrEmpty},
			msg:    `roster.jsonl: no rows: refusing an empty roster, it would look like everyone left`,
		},
		{
			name:   "wrong number of fields",
			format: CSV,
			in:     "employeeId,email\nE1,a@b.c,extra\n",
			is:     []error{ErrSyntax, csv.ErrFieldCount},
			msg:    `roster.csv:2: record has 3 fields, the header has 2`,
		},
		{
			name:   "bare quote",
			format: CSV,
			in:     "employeeId,displayName\nE1,Ada \"L\"\n",
			is:     []error{ErrSyntax, csv.ErrBareQuote},
			msg:    `roster.csv:2: bare " in non-quoted-field (at column 8)`,
		},
		{
			name:   "unterminated quote names the line it opened on",
			format: CSV,
			in:     "employeeId,displayName\nE1,\"Ada\nE2,Grace\n",
			is:     []error{ErrSyntax, csv.ErrQuote},
			msg:    `roster.csv:2: extraneous or missing " in quoted-field (at line 3, column 10)`,
		},
		{
			name:   "two columns for one field",
			format: CSV,
			in:     "employeeId,email,E-Mail\nE1,a@b.c,a@b.c\n",
			m:      Mapping{"employeeId": "employeeId", "email": "email", "e-mail": "email"},
			is:     []error{ErrDuplicateColumn},
			msg:    `roster.csv:1: column "E-Mail": maps to email, like column "email"`,
		},
		{
			name:   "two keys for one field",
			format: JSONL,
			in:     `{"employeeId":"E1","email":"a@b.c","Email":"a@b.c"}`,
			is:     []error{ErrDuplicateColumn},
			msg:    `roster.jsonl:1: column "Email": maps to email, like key "email"`,
		},
		{
			name:   "two keys for one attribute",
			format: JSONL,
			in:     `{"employeeId":"E1","attributes.x":"1","attributes.x":"2"}`,
			is:     []error{ErrDuplicateColumn},
			msg:    `roster.jsonl:1: column "attributes.x": maps to attributes.x, like key "attributes.x"`,
		},
		{
			name:   "value under a column without header name",
			format: CSV,
			in:     "employeeId,\nE1,x\n",
			is:     []error{ErrUnknownColumn},
			msg:    `roster.csv:2: value "x" in column 2, which has no header name`,
		},
		{
			name:   "jsonl line is not an object",
			format: JSONL,
			in:     "{\"employeeId\":\"E1\"}\n\"E2\"\n",
			is:     []error{ErrSyntax},
			msg:    `roster.jsonl:2: not a JSON object: want one object per line (JSON Lines)`,
		},
		{
			name:   "json array file",
			format: JSONL,
			in:     "[\n{\"employeeId\":\"E1\"}\n]\n",
			is:     []error{ErrSyntax},
			msg: "roster.jsonl:1: a JSON array, not an object: want one object per line (JSON Lines), not one array\n" +
				"roster.jsonl:3: invalid JSON: invalid character ']' looking for beginning of value",
		},
		{
			name:   "jsonl nested value",
			format: JSONL,
			in:     `{"employeeId":"E1","department":{"name":"Eng"}}`,
			is:     []error{ErrBadValue},
			msg:    `roster.jsonl:1: column "department": nested JSON value: want a string, number, boolean or null`,
		},
		{
			name:   "jsonl invalid JSON",
			format: JSONL,
			in:     `{"employeeId":"E1",}`,
			is:     []error{ErrSyntax},
			msg:    `roster.jsonl:1: invalid JSON: invalid character '}' looking for beginning of object key string`,
		},
		{
			name:   "jsonl object split over lines",
			format: JSONL,
			in:     "{\"employeeId\":\n\"E1\"}\n",
			is:     []error{ErrSyntax},
			msg:    "roster.jsonl:1: incomplete JSON object: want the whole object on one line (JSON Lines)\nroster.jsonl:2: not a JSON object: want one object per line (JSON Lines)",
		},
		{
			name:   "jsonl two objects on a line",
			format: JSONL,
			in:     `{"employeeId":"E1"} {"employeeId":"E2"}`,
			is:     []error{ErrSyntax},
			msg:    `roster.jsonl:1: more than one JSON value on the line: want one object per line`,
		},
		{
			name:   "every problem is reported, in file order",
			format: CSV,
			in:     "employeeId,email,startDate\nE1,bad,2026-02-30\nE1,a@b.c,\n",
			is:     []error{ErrBadValue, ErrBadDate, ErrDuplicateID},
			msg: `roster.csv:2: column "email": "bad" is not an email address (want one "@" with text on both sides, no spaces)` + "\n" +
				`roster.csv:2: column "startDate": cannot parse date "2026-02-30" (want YYYY-MM-DD)` + "\n" +
				`roster.csv:3: column "employeeId": duplicate employee ID "E1" (first on line 2)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name := "roster." + string(tt.format)
			rows, err := Parse(strings.NewReader(tt.in), name, tt.format, tt.m)
			require.Nil(t, rows, "a rejected file yields no rows")
			require.EqualError(t, err, tt.msg)
			for _, is := range tt.is {
				require.ErrorIs(t, err, is)
			}
			for _, re := range rowErrors(t, err) {
				require.Equal(t, name, re.File)
			}
		})
	}
}

func TestParseStopsAfterMaxProblems(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("employeeId,email\n")
	for i := range 100 {
		fmt.Fprintf(&b, "E%d,not-an-email\n", i)
	}
	rows, err := Parse(strings.NewReader(b.String()), "roster.csv", CSV, nil)
	require.Nil(t, rows)
	res := rowErrors(t, err)
	require.Len(t, res, maxProblems)
	for i, re := range res {
		require.Equal(t, i+2, re.Line)
		require.Equal(t, "email", re.Column)
		require.ErrorIs(t, re, ErrBadValue)
	}
}

func TestParseConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format Format
		m      Mapping
		msg    string
	}{
		{
			name:   "bad target",
			format: CSV,
			m:      Mapping{"ID": "employeeID"},
			msg: `roster.csv: mapping "ID": target "employeeID" is not a roster field (employeeId, email, givenName, familyName, ` +
				`displayName, department, title, location, managerId, employmentType, startDate, endDate, status) or attributes.NAME`,
		},
		{
			name:   "keys differing only in case",
			format: CSV,
			m:      Mapping{"ID": "employeeId", "id": "email"},
			msg:    `roster.csv: mapping "ID" and "id" differ only in case but map to employeeId and email`,
		},
		{
			name:   "unknown format",
			format: "xlsx",
			msg:    `roster.csv: unknown roster format "xlsx" (want "csv" or "jsonl")`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rows, err := Parse(strings.NewReader("employeeId\nE1\n"), "roster.csv", tt.format, tt.m)
			require.Nil(t, rows)
			require.EqualError(t, err, tt.msg)
		})
	}
}

func TestCheckManagers(t *testing.T) {
	t.Parallel()
	rows := []Row{
		{Line: 2, Person: person.Person{ID: "E1"}},
		{Line: 3, Person: person.Person{ID: "E2", ManagerID: "E1"}},
		{Line: 5, Person: person.Person{ID: "E3", ManagerID: "E3"}},
		{Line: 6, Person: person.Person{ID: "E4", ManagerID: "OLD"}},
		{Line: 7, Person: person.Person{ID: "E5", ManagerID: "GONE"}},
	}
	tests := []struct {
		name  string
		known func(string) bool
		msg   string
	}{
		{
			name: "no current roster",
			msg: `roster.csv:6: column "managerId": unknown manager "OLD": not an employee ID in this file or the current roster` + "\n" +
				`roster.csv:7: column "managerId": unknown manager "GONE": not an employee ID in this file or the current roster`,
		},
		{
			name:  "current roster knows some",
			known: func(id string) bool { return id == "OLD" },
			msg:   `roster.csv:7: column "managerId": unknown manager "GONE": not an employee ID in this file or the current roster`,
		},
		{
			name:  "current roster knows all",
			known: func(string) bool { return true },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckManagers(rows, "roster.csv", tt.known)
			if tt.msg == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tt.msg)
			require.ErrorIs(t, err, ErrUnknownManager)
			for _, re := range rowErrors(t, err) {
				require.Equal(t, "managerId", re.Column)
			}
		})
	}
}

// TestCheckManagersAfterParse is the intended use: Parse, then check managers
// against the file and the current roster.
func TestCheckManagersAfterParse(t *testing.T) {
	t.Parallel()
	rows, err := Parse(strings.NewReader("employeeId,managerId\nE1,\nE2,E1\nE3,E9\n"), "roster.csv", CSV, nil)
	require.NoError(t, err)
	err = CheckManagers(rows, "roster.csv", nil)
	require.EqualError(t, err, `roster.csv:4: column "managerId": unknown manager "E9": not an employee ID in this file or the current roster`)
	require.NoError(t, CheckManagers(rows, "roster.csv", func(id string) bool { return id == "E9" }))
}

func TestRowErrorMessage(t *testing.T) {
	t.Parallel()
	err := errors.New("boom")
	tests := []struct {
		e    RowError
		want string
	}{
		{RowError{File: "r.csv", Line: 3, Column: "email", Err: err}, `r.csv:3: column "email": boom`},
		{RowError{File: "r.csv", Line: 3, Err: err}, `r.csv:3: boom`},
		{RowError{File: "r.csv", Err: err}, `r.csv: boom`},
		{RowError{File: "r.csv"}, `r.csv: unknown problem`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.e.Error())
			require.Equal(t, tt.e.Err, errors.Unwrap(&tt.e))
		})
	}
}

// rosterCSV generates an n-row roster with every field and two attributes,
// shaped like a real HR export.
func rosterCSV(n int) []byte {
	var b strings.Builder
	b.WriteString("employee_id,email,given_name,family_name,display_name,department,title,location,manager_id," +
		"employment_type,start_date,end_date,status,attributes.costCenter,attributes.level\r\n")
	depts := []string{"Engineering", "Sales", "Finance", "People", "Support"}
	for i := range n {
		id := "E" + strconv.Itoa(100000+i)
		mgr := ""
		if i > 0 {
			mgr = "E" + strconv.Itoa(100000+i/10)
		}
		end, status := "", "active"
		switch i % 50 {
		case 7:
			end, status = "2026-03-31", "terminated"
		case 9:
			status = "on leave"
		}
		fmt.Fprintf(&b, "%s,First.Last%d@Example.com,First%d,\"Last, %d\",First Last %d,%s,Engineer %d,London,%s,full-time,2020-%02d-%02d,%s,%s,CC-%d,L%d\r\n",
			id, i, i, i, i, depts[i%len(depts)], i%5, mgr, 1+i%12, 1+i%28, end, status, i%40, i%7)
	}
	return []byte(b.String())
}

func BenchmarkParseCSV100k(b *testing.B) {
	data := rosterCSV(100_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rows, err := Parse(bytes.NewReader(data), "roster.csv", CSV, nil)
		if err != nil || len(rows) != 100_000 {
			b.Fatalf("rows %d, err %v", len(rows), err)
		}
	}
}
