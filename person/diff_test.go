package person

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func roster(ps ...Person) map[string]*Person {
	m := map[string]*Person{}
	for i := range ps {
		p := ps[i]
		p.Status = p.StatusAt(now)
		m[p.ID] = &p
	}
	return m
}

func kinds(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.PersonID+":"+string(e.Kind)+":"+string(e.State))
	}
	return out
}

func TestDiffLifecycle(t *testing.T) {
	t.Parallel()
	ann := Person{ID: "E1", Email: "ann@x", Department: "Support", Title: "Agent", StartDate: day("2024-01-01")}
	tests := []struct {
		name    string
		current map[string]*Person
		snap    []Person
		opts    DiffOptions
		want    []string
	}{
		{"new active person joins", nil, []Person{ann}, DiffOptions{}, []string{"E1:join:applied"}},
		{"future start is a scheduled pre-hire join", nil,
			[]Person{{ID: "E2", StartDate: day("2026-12-01")}}, DiffOptions{}, []string{"E2:join:scheduled"}},
		{"unchanged record is nothing", roster(ann), []Person{ann}, DiffOptions{}, nil},
		{"department change is a move", roster(ann),
			[]Person{with(ann, func(p *Person) { p.Department = "Engineering" })}, DiffOptions{}, []string{"E1:move:applied"}},
		{"manager change is a move", roster(ann),
			[]Person{with(ann, func(p *Person) { p.ManagerID = "E9" })}, DiffOptions{}, []string{"E1:move:applied"}},
		{"email change is an update, not a move", roster(ann),
			[]Person{with(ann, func(p *Person) { p.Email = "ann2@x" })}, DiffOptions{}, []string{"E1:update:applied"}},
		{"a custom attribute a rule reads is a move", roster(ann),
			[]Person{with(ann, func(p *Person) { p.Attributes = map[string]string{"costCenter": "42"} })},
			DiffOptions{MoveFields: []string{"attributes"}}, []string{"E1:move:applied"}},
		{"past end date is an immediate leave", roster(ann),
			[]Person{with(ann, func(p *Person) { p.EndDate = day("2026-11-21") })}, DiffOptions{}, []string{"E1:leave:applied"}},
		{"future end date is a scheduled leave", roster(ann),
			[]Person{with(ann, func(p *Person) { p.EndDate = day("2026-12-31") })}, DiffOptions{}, []string{"E1:leave:scheduled"}},
		{"HR status terminated without a date leaves now", roster(ann),
			[]Person{with(ann, func(p *Person) { p.Terminated = true })}, DiffOptions{}, []string{"E1:leave:applied"}},
		{"terminated person back is a rehire", roster(with(ann, func(p *Person) { p.EndDate = day("2025-01-01") })),
			[]Person{with(ann, func(p *Person) { p.StartDate = day("2026-11-01") })}, DiffOptions{}, []string{"E1:rehire:applied"}},
		{"on leave and back", roster(ann),
			[]Person{with(ann, func(p *Person) { p.OnLeave = true })}, DiffOptions{}, []string{"E1:leave-of-absence:applied"}},
		{"return from leave", roster(with(ann, func(p *Person) { p.OnLeave = true })),
			[]Person{ann}, DiffOptions{}, []string{"E1:return:applied"}},
		{"absent row ignored by default", roster(ann), []Person{{ID: "E2"}}, DiffOptions{Full: true}, []string{"E2:join:applied"}},
		{"absent row terminated when configured", roster(ann), []Person{{ID: "E2"}},
			DiffOptions{Full: true, AbsentTerminate: true}, []string{"E2:join:applied", "E1:leave:applied"}},
		{"absent row of a partial feed is never terminated", roster(ann), []Person{{ID: "E2"}},
			DiffOptions{Full: false, AbsentTerminate: true}, []string{"E2:join:applied"}},
		{"pre-hire whose start date arrived fires the join", roster(Person{ID: "E3", StartDate: day("2026-11-22")}),
			nil, DiffOptions{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.opts.Now = now
			cur := tt.current
			if cur == nil {
				cur = map[string]*Person{}
			}
			r := Diff(cur, tt.snap, tt.opts)
			require.Equal(t, tt.want, kinds(r.Events))
		})
	}
}

func with(p Person, f func(*Person)) Person {
	if p.Attributes != nil {
		m := map[string]string{}
		for k, v := range p.Attributes {
			m[k] = v
		}
		p.Attributes = m
	}
	f(&p)
	return p
}

func TestDiffMoveRecordsChanges(t *testing.T) {
	t.Parallel()
	old := Person{ID: "E1", Department: "Support", Title: "Agent"}
	r := Diff(roster(old), []Person{with(old, func(p *Person) { p.Department = "Engineering" })}, DiffOptions{Now: now})
	require.Len(t, r.Events, 1)
	require.Equal(t, []Change{{Field: "department", From: "Support", To: "Engineering"}}, r.Events[0].Changes)
	require.Len(t, r.People, 1)
	require.Equal(t, "Engineering", r.People[0].Department)
}

func TestDiffPreHireStartArrives(t *testing.T) {
	t.Parallel()
	// Stored as pre-hire yesterday; today the start date has come.
	p := Person{ID: "E3", StartDate: day("2026-11-22"), Status: PreHire}
	r := Diff(map[string]*Person{"E3": &p}, []Person{{ID: "E3", StartDate: day("2026-11-22")}}, DiffOptions{Now: now})
	require.Equal(t, []string{"E3:join:applied"}, kinds(r.Events))
	require.Equal(t, Active, r.People[0].Status)
}

func TestDiffIsIdempotent(t *testing.T) {
	t.Parallel()
	snap := []Person{
		{ID: "E1", Department: "Support", StartDate: day("2020-01-01")},
		{ID: "E2", StartDate: day("2027-01-01")},
		{ID: "E3", EndDate: day("2026-01-01")},
		{ID: "E4", OnLeave: true},
		{ID: "E5", EndDate: day("2027-06-30")},
	}
	first := Diff(map[string]*Person{}, snap, DiffOptions{Now: now, Full: true, AbsentTerminate: true})
	cur := map[string]*Person{}
	for i := range first.People {
		cur[first.People[i].ID] = &first.People[i]
	}
	second := Diff(cur, snap, DiffOptions{Now: now, Full: true, AbsentTerminate: true})
	require.Empty(t, second.Events)
	require.Empty(t, second.People)
}

func TestCopyFieldCoversEveryRosterField(t *testing.T) {
	t.Parallel()
	src := Person{ID: "E1", Email: "e", GivenName: "g", FamilyName: "f", DisplayName: "d", Department: "dep",
		Title: "t", Location: "l", ManagerID: "m", EmploymentType: "x", StartDate: day("2020-01-01"),
		EndDate: day("2030-01-01"), OnLeave: true, Attributes: map[string]string{"cc": "1"}}
	var dst Person
	for _, f := range Fields {
		require.True(t, dst.CopyField(&src, f), f)
	}
	require.True(t, dst.CopyField(&src, "attributes.cc"))
	require.True(t, src.Equal(dst), "%+v", dst)
	require.False(t, dst.CopyField(&src, "shoeSize"))
	var clear Person
	require.True(t, dst.CopyField(&clear, "attributes.cc"))
	require.Nil(t, dst.Attributes)
}
