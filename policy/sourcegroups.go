package policy

import (
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// sourceGroups is person.sourceGroups as CEL sees it: a map from SCIM
// source to that source's groups, in which a source that does not hold the
// person reads as no groups rather than an error. So
// `"Engineering" in person.sourceGroups["okta"]` is simply false for
// someone okta never pushed, instead of failing the rule for every such
// person. Membership (`"okta" in person.sourceGroups`), size and iteration
// see only the sources that are there.
type sourceGroups struct{ traits.Mapper }

var noGroups = types.NewStringList(types.DefaultTypeAdapter, []string{})

func newSourceGroups(m map[string][]string) ref.Val {
	return sourceGroups{types.DefaultTypeAdapter.NativeToValue(m).(traits.Mapper)}
}

// Find implements traits.Mapper: a missing source is an empty list.
func (s sourceGroups) Find(key ref.Val) (ref.Val, bool) {
	v, ok := s.Mapper.Find(key)
	if _, isString := key.(types.String); !ok && isString {
		return noGroups, true
	}
	return v, ok
}

// Get implements traits.Indexer the same way.
func (s sourceGroups) Get(key ref.Val) ref.Val {
	v, _ := s.Find(key)
	return v
}
