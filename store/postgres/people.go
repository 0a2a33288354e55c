package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/internal/codec"
)

// people implements store.People.
type people struct{ tx *Tx }

const personCols = `id, email, given_name, family_name, display_name, department, title,
	location, manager_id, employment_type, start_date, start_date_ns, end_date, end_date_ns,
	on_leave, terminated, attributes, status, groups, source_groups`

// putPeople upserts a chunk of people sent as one array per column. DISTINCT
// ON keeps the last record of an id (ON CONFLICT may not touch a row twice
// in one statement), and the sort it needs puts the rows in key order.
const putPeople = `INSERT INTO people (tenant, ` + personCols + `)
	SELECT DISTINCT ON (u.id COLLATE "C") $1, u.id, u.email, u.given_name, u.family_name, u.display_name,
		u.department, u.title, u.location, u.manager_id, u.employment_type,
		u.start_date, u.start_date_ns, u.end_date, u.end_date_ns, u.on_leave, u.terminated,
		u.attributes::json, u.status, u.groups::json, u.source_groups::json
	FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
		$9::text[], $10::text[], $11::text[], $12::timestamptz[], $13::smallint[], $14::timestamptz[],
		$15::smallint[], $16::boolean[], $17::boolean[], $18::text[], $19::text[], $20::text[], $21::text[])
		WITH ORDINALITY AS u(id, email, given_name, family_name, display_name, department, title,
		location, manager_id, employment_type, start_date, start_date_ns, end_date, end_date_ns,
		on_leave, terminated, attributes, status, groups, source_groups, ord)
	ORDER BY u.id COLLATE "C", u.ord DESC
	ON CONFLICT (tenant, id) DO UPDATE SET
	email = excluded.email, given_name = excluded.given_name,
	family_name = excluded.family_name, display_name = excluded.display_name,
	department = excluded.department, title = excluded.title, location = excluded.location,
	manager_id = excluded.manager_id, employment_type = excluded.employment_type,
	start_date = excluded.start_date, start_date_ns = excluded.start_date_ns,
	end_date = excluded.end_date, end_date_ns = excluded.end_date_ns,
	on_leave = excluded.on_leave, terminated = excluded.terminated,
	attributes = excluded.attributes, status = excluded.status, groups = excluded.groups,
	source_groups = excluded.source_groups`

func (p people) Get(ctx context.Context, id string) (person.Person, error) {
	rows, err := p.tx.tx.Query(ctx, `SELECT `+personCols+` FROM people WHERE tenant = $1 AND id = $2`, p.tx.key, id)
	if err != nil {
		return person.Person{}, fmt.Errorf("person %q: %w", id, err)
	}
	ps, err := scanPeople(rows)
	if err != nil {
		return person.Person{}, fmt.Errorf("person %q: %w", id, err)
	}
	if len(ps) == 0 {
		return person.Person{}, notFound("person %q", id)
	}
	return ps[0], nil
}

func (p people) List(ctx context.Context) ([]person.Person, error) {
	// One statement for the whole roster, in the primary key's order.
	rows, err := p.tx.tx.Query(ctx, `SELECT `+personCols+` FROM people WHERE tenant = $1 ORDER BY id`, p.tx.key)
	if err != nil {
		return nil, fmt.Errorf("list people: %w", err)
	}
	ps, err := scanPeople(rows)
	if err != nil {
		return nil, fmt.Errorf("list people: %w", err)
	}
	return ps, nil
}

func (p people) Put(ctx context.Context, ps ...person.Person) error {
	if err := p.tx.writable("put people"); err != nil {
		return err
	}
	first, err := p.isFirstImport(ctx, ps)
	if err != nil {
		return fmt.Errorf("put people: %w", err)
	}
	if first {
		return translate(p.copyIn(ctx, ps), "put people")
	}
	for start := 0; start < len(ps); start += upsertChunk {
		part := ps[start:min(start+upsertChunk, len(ps))]
		var c personColumns
		c.fill(part)
		_, err := p.tx.tx.Exec(ctx, putPeople, p.tx.key, c.id, c.email, c.givenName, c.familyName,
			c.displayName, c.department, c.title, c.location, c.managerID, c.employmentType,
			c.startDate, c.startNs, c.endDate, c.endNs, c.onLeave, c.terminated, c.attributes, c.status, c.groups, c.sourceGroups)
		if err != nil {
			return translate(err, "put people")
		}
	}
	return nil
}

// copyMin is the fewest people for which Put considers copying them in.
const copyMin = 1000

// isFirstImport reports whether ps can be copied in rather than upserted:
// many people, no id twice, and none of them in the table yet because the
// tenant has nobody. That is a tenant's first import, the largest write it
// makes, and COPY saves the upsert's per-row conflict check and the sort.
// Writers of the tenant take turns, so nobody can add a person between
// this check and the copy.
func (p people) isFirstImport(ctx context.Context, ps []person.Person) (bool, error) {
	if len(ps) < copyMin {
		return false, nil
	}
	var some bool
	if err := p.tx.tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM people WHERE tenant = $1)`, p.tx.key).Scan(&some); err != nil || some {
		return false, err
	}
	seen := make(map[string]struct{}, len(ps))
	for i := range ps {
		if _, dup := seen[ps[i].ID]; dup {
			return false, nil
		}
		seen[ps[i].ID] = struct{}{}
	}
	return true, nil
}

var personCopyCols = []string{"tenant", "id", "email", "given_name", "family_name", "display_name",
	"department", "title", "location", "manager_id", "employment_type", "start_date", "start_date_ns",
	"end_date", "end_date_ns", "on_leave", "terminated", "attributes", "status", "groups", "source_groups"}

// copyIn copies people known to be new.
func (p people) copyIn(ctx context.Context, ps []person.Person) error {
	return p.tx.copyRows(ctx, "people", personCopyCols, len(ps), func(dst []any, i int) ([]any, error) {
		q := &ps[i]
		return append(dst, p.tx.key, q.ID, q.Email, q.GivenName, q.FamilyName, q.DisplayName,
			q.Department, q.Title, q.Location, q.ManagerID, q.EmploymentType,
			nullTime(q.StartDate), nanos(q.StartDate), nullTime(q.EndDate), nanos(q.EndDate),
			q.OnLeave, q.Terminated, mapJSON(q.Attributes), string(q.Status), stringsJSON(q.Groups),
			listMapJSON(q.SourceGroups)), nil
	})
}

// personColumns is a chunk of people as one slice per column, the
// parameters of putPeople.
type personColumns struct {
	id, email, givenName, familyName, displayName, department, title,
	location, managerID, employmentType, status []string
	startDate, endDate  []pgtype.Timestamptz
	startNs, endNs      []int16
	onLeave, terminated []bool
	attributes, groups  []pgtype.Text
	sourceGroups        []pgtype.Text
}

func (c *personColumns) fill(ps []person.Person) {
	n := len(ps)
	strs := make([]string, 11*n) // one allocation for the eleven text columns
	col := func(i int) []string { return strs[i*n : (i+1)*n : (i+1)*n] }
	c.id, c.email, c.givenName, c.familyName, c.displayName = col(0), col(1), col(2), col(3), col(4)
	c.department, c.title, c.location, c.managerID, c.employmentType = col(5), col(6), col(7), col(8), col(9)
	c.status = col(10)
	c.startDate, c.endDate = make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n)
	c.startNs, c.endNs = make([]int16, n), make([]int16, n)
	c.onLeave, c.terminated = make([]bool, n), make([]bool, n)
	c.attributes, c.groups = make([]pgtype.Text, n), make([]pgtype.Text, n)
	c.sourceGroups = make([]pgtype.Text, n)
	for i := range ps {
		q := &ps[i]
		c.id[i], c.email[i], c.givenName[i], c.familyName[i] = q.ID, q.Email, q.GivenName, q.FamilyName
		c.displayName[i], c.department[i], c.title[i], c.location[i] = q.DisplayName, q.Department, q.Title, q.Location
		c.managerID[i], c.employmentType[i], c.status[i] = q.ManagerID, q.EmploymentType, string(q.Status)
		c.startDate[i], c.startNs[i] = nullTime(q.StartDate), nanos(q.StartDate)
		c.endDate[i], c.endNs[i] = nullTime(q.EndDate), nanos(q.EndDate)
		c.onLeave[i], c.terminated[i] = q.OnLeave, q.Terminated
		c.attributes[i], c.groups[i] = mapJSON(q.Attributes), stringsJSON(q.Groups)
		c.sourceGroups[i] = listMapJSON(q.SourceGroups)
	}
}

// Count reads the tenant's rows. An index on status would spare it that,
// but with four values it narrows little, and every Put would pay for it.
func (p people) Count(ctx context.Context, s person.Status) (int, error) {
	var n int
	var err error
	if s == "" {
		err = p.tx.tx.QueryRow(ctx, `SELECT count(*) FROM people WHERE tenant = $1`, p.tx.key).Scan(&n)
	} else {
		err = p.tx.tx.QueryRow(ctx, `SELECT count(*) FROM people WHERE tenant = $1 AND status = $2`,
			p.tx.key, string(s)).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("count people: %w", err)
	}
	return n, nil
}

// scanPeople reads rows of personCols and closes them.
func scanPeople(rows pgx.Rows) ([]person.Person, error) {
	defer rows.Close()
	var (
		ps             codec.Blocks[person.Person]
		start, end     pgtype.Timestamptz
		startNs, endNs int16
		status         string
		attrs, groups  jsonText
		srcGroups      jsonText
	)
	for rows.Next() {
		q := ps.Next()
		if err := rows.Scan(&q.ID, &q.Email, &q.GivenName, &q.FamilyName, &q.DisplayName,
			&q.Department, &q.Title, &q.Location, &q.ManagerID, &q.EmploymentType,
			&start, &startNs, &end, &endNs, &q.OnLeave, &q.Terminated, &attrs, &status, &groups, &srcGroups); err != nil {
			return nil, err
		}
		q.StartDate, q.EndDate = joinTime(start, startNs), joinTime(end, endNs)
		var err error
		if q.Attributes, err = scanStringMap(attrs); err != nil {
			return nil, fmt.Errorf("person %q attributes: %w", q.ID, err)
		}
		q.Status = person.Status(status)
		if err := fromJSON(groups, &q.Groups); err != nil {
			return nil, fmt.Errorf("person %q groups: %w", q.ID, err)
		}
		if err := fromJSON(srcGroups, &q.SourceGroups); err != nil {
			return nil, fmt.Errorf("person %q source groups: %w", q.ID, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return ps.All(), nil
}

var _ store.People = people{}
