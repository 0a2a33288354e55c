package codec

import "slices"

// AppendStringList appends s as a JSON array of strings ([] when empty).
func AppendStringList(b []byte, s []string) []byte {
	b = append(b, '[')
	for i, v := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, v)
	}
	return append(b, ']')
}

// AppendListMap appends m (a person's groups by source) as a JSON object
// of string arrays with sorted keys, so equal maps store the same bytes.
func AppendListMap(b []byte, m map[string][]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k)
		b = append(b, ':')
		b = AppendStringList(b, m[k])
	}
	return append(b, '}')
}
