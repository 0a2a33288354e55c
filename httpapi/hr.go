package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/token"
)

// postHREvents takes one HR event or a JSON array of them. An event is an
// "id" unique to the event, the person's "employeeId", and the fields that
// changed, in roster field names; fields left out keep their value, and
// null or "" clears one. A person new to the roster is a join.
//
//	{"id": "wd-88121", "employeeId": "E1004", "department": "Engineering", "title": "Engineer"}
//	{"id": "wd-88122", "employeeId": "E1009", "endDate": "2026-11-21", "status": "terminated"}
//
// The batch goes through the same parser, validation, diff and mass-change
// guard as a roster file, as a partial feed (people not in it are left
// alone), and is applied whole or not at all. Events already received (by
// id) are skipped, so an HR system may safely resend.
func (s *Server) postHREvents(w http.ResponseWriter, r *http.Request, t *lifecycle.Tenant, tok token.Token) {
	max := s.MaxBody
	if max <= 0 {
		max = 8 << 20
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", max), nil)
			return
		}
		writeError(w, http.StatusBadRequest, "cannot read body: "+err.Error(), nil)
		return
	}
	ids, fields, jsonl, problems := splitEvents(body)
	if len(problems) > 0 {
		writeError(w, http.StatusBadRequest, "bad HR events: nothing was applied", problems)
		return
	}
	rows, err := hr.Parse(bytes.NewReader(jsonl), "events", hr.JSONL, nil)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad HR events: nothing was applied", errorLines(err))
		return
	}
	evs := make([]lifecycle.HREvent, len(rows))
	for i := range rows {
		evs[i] = lifecycle.HREvent{ID: ids[i], Row: rows[i], Fields: fields[i]}
	}
	res, err := t.ImportEvents(r.Context(), evs, lifecycle.ImportOptions{Source: "hr-api:" + tok.ID})
	if err != nil {
		if lifecycle.IsBadInput(err) {
			writeError(w, http.StatusBadRequest, "bad HR events: nothing was applied", errorLines(err))
			return
		}
		s.log().Error("hr events", "tenant", t.ID(), "err", err)
		writeError(w, http.StatusInternalServerError, "internal error: nothing was applied", nil)
		return
	}
	status := http.StatusOK
	if res.Held != "" {
		status = http.StatusAccepted
	}
	writeJSON(w, status, res)
}

// splitEvents turns a body (one object or an array of objects) into the
// event ids, the roster fields each event carries, and a JSON Lines
// document of person records, one per event in order, so that "events:N" in
// a parser error names the Nth event.
func splitEvents(body []byte) ([]string, [][]string, []byte, []string) {
	trimmed := bytes.TrimSpace(body)
	var raws []json.RawMessage
	switch {
	case len(trimmed) == 0:
		return nil, nil, nil, []string{"empty body: send an event object or an array of them"}
	case trimmed[0] == '[':
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return nil, nil, nil, []string{"body is not a JSON array of objects: " + err.Error()}
		}
	case trimmed[0] == '{':
		raws = []json.RawMessage{trimmed}
	default:
		return nil, nil, nil, []string{"body must be a JSON object or an array of objects"}
	}
	if len(raws) == 0 {
		return nil, nil, nil, []string{"empty batch: no events"}
	}
	var problems []string
	ids := make([]string, len(raws))
	fields := make([][]string, len(raws))
	seen := map[string]int{}
	var out bytes.Buffer
	for i, raw := range raws {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			problems = append(problems, fmt.Sprintf("events:%d: not a JSON object", i+1))
			out.WriteString("{}\n")
			continue
		}
		var id string
		if err := json.Unmarshal(obj["id"], &id); err != nil || strings.TrimSpace(id) == "" {
			problems = append(problems, fmt.Sprintf(`events:%d: "id" is required: a non-empty string unique per event`, i+1))
		} else if first, dup := seen[id]; dup {
			problems = append(problems, fmt.Sprintf("events:%d: event id %q repeats event %d", i+1, id, first))
		}
		seen[id] = i + 1
		ids[i] = id
		delete(obj, "id")
		for k := range obj {
			fields[i] = append(fields[i], fieldName(k))
		}
		line, _ := json.Marshal(obj)
		out.Write(line)
		out.WriteByte('\n')
	}
	return ids, fields, out.Bytes(), problems
}

// fieldName is the roster field a JSON key names: keys may be camelCase
// ("employeeId") or snake_case ("employee_id"), as the roster parser's
// identity mapping accepts; custom attributes are "attributes.NAME".
func fieldName(key string) string {
	if strings.HasPrefix(key, "attributes.") || !strings.Contains(key, "_") {
		return key
	}
	var b strings.Builder
	up := false
	for _, r := range key {
		switch {
		case r == '_':
			up = true
		case up:
			b.WriteString(strings.ToUpper(string(r)))
			up = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// errorLines splits a joined error into its problems.
func errorLines(err error) []string {
	var out []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (s *Server) getPlan(w http.ResponseWriter, r *http.Request, t *lifecycle.Tenant, _ token.Token) {
	pl, err := t.Plan(r.Context(), r.URL.Query().Get("person"))
	if err != nil {
		s.log().Error("plan", "tenant", t.ID(), "err", err)
		writeError(w, http.StatusInternalServerError, "internal error", nil)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = pl.WriteJSON(w)
}

func (s *Server) getPending(w http.ResponseWriter, r *http.Request, t *lifecycle.Tenant, _ token.Token) {
	bs, err := t.Pending(r.Context())
	if err != nil {
		s.log().Error("pending", "tenant", t.ID(), "err", err)
		writeError(w, http.StatusInternalServerError, "internal error", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"batches": bs})
}
