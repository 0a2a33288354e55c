package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/internal/codec"
)

// people implements store.People.
type people struct{ tx *Tx }

const personCols = `id, email, given_name, family_name, display_name, department, title,
	location, manager_id, employment_type, start_date, end_date, on_leave, terminated,
	attributes, status, groups, source_groups`

// putPeople upserts by (tenant, id). ON CONFLICT … DO UPDATE rather than
// INSERT OR REPLACE: a replace deletes and reinserts the row.
var putPeople = newInsert(`INSERT INTO people (tenant, `+personCols+`) VALUES `, 19, `
	ON CONFLICT (tenant, id) DO UPDATE SET
	email = excluded.email, given_name = excluded.given_name,
	family_name = excluded.family_name, display_name = excluded.display_name,
	department = excluded.department, title = excluded.title, location = excluded.location,
	manager_id = excluded.manager_id, employment_type = excluded.employment_type,
	start_date = excluded.start_date, end_date = excluded.end_date,
	on_leave = excluded.on_leave, terminated = excluded.terminated,
	attributes = excluded.attributes, status = excluded.status, groups = excluded.groups,
	source_groups = excluded.source_groups`)

func (p people) Get(ctx context.Context, id string) (person.Person, error) {
	rows, err := p.tx.query(ctx, `SELECT `+personCols+` FROM people WHERE tenant = ? AND id = ?`, p.tx.key, id)
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
	// One statement for the whole roster; the primary key already orders it.
	rows, err := p.tx.query(ctx, `SELECT `+personCols+` FROM people WHERE tenant = ? ORDER BY id`, p.tx.key)
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
	err := putPeople.run(ctx, p.tx, len(ps), func(dst []any, i int) ([]any, error) {
		q := &ps[i]
		return append(dst, p.tx.key, q.ID, q.Email, q.GivenName, q.FamilyName, q.DisplayName,
			q.Department, q.Title, q.Location, q.ManagerID, q.EmploymentType,
			nullTime(q.StartDate), nullTime(q.EndDate), boolInt(q.OnLeave), boolInt(q.Terminated),
			mapJSON(q.Attributes), string(q.Status), stringsJSON(q.Groups), listMapJSON(q.SourceGroups)), nil
	})
	return translate(err, "put people")
}

// Count reads the tenant's rows. An index on status would spare it that,
// but with four values it narrows little, and every Put would pay for it.
func (p people) Count(ctx context.Context, s person.Status) (int, error) {
	var n int
	var err error
	if s == "" {
		err = p.tx.queryRow(ctx, `SELECT count(*) FROM people WHERE tenant = ?`, p.tx.key).Scan(&n)
	} else {
		err = p.tx.queryRow(ctx, `SELECT count(*) FROM people WHERE tenant = ? AND status = ?`, p.tx.key, string(s)).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("count people: %w", err)
	}
	return n, nil
}

// scanPeople reads rows of personCols and closes them.
func scanPeople(rows *sql.Rows) ([]person.Person, error) {
	defer rows.Close()
	var (
		ps                codec.Blocks[person.Person]
		start, end, attrs sql.NullString
		groups, srcGroups sql.NullString
		status            string
	)
	for rows.Next() {
		q := ps.Next()
		if err := rows.Scan(&q.ID, &q.Email, &q.GivenName, &q.FamilyName, &q.DisplayName,
			&q.Department, &q.Title, &q.Location, &q.ManagerID, &q.EmploymentType,
			&start, &end, &q.OnLeave, &q.Terminated, &attrs, &status, &groups, &srcGroups); err != nil {
			return nil, err
		}
		var err error
		if q.StartDate, err = parseTime(start); err != nil {
			return nil, fmt.Errorf("person %q start date: %w", q.ID, err)
		}
		if q.EndDate, err = parseTime(end); err != nil {
			return nil, fmt.Errorf("person %q end date: %w", q.ID, err)
		}
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
