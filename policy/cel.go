package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"

	"github.com/tenure-dev/tenure/person"
)

// CostBudget is the most a single rule may cost, as estimated at compile time
// and enforced at evaluation. Birthright rules are simple predicates; a rule
// past this budget (say, a comprehension over a huge attribute map) is
// rejected when the config loads rather than slowing every import.
const CostBudget = 10_000

// Fields are the person attributes a rule can read, as person.NAME, with
// their CEL types. This is the person schema rules are type-checked against.
var Fields = map[string]*cel.Type{
	"employeeId":     cel.StringType,
	"email":          cel.StringType,
	"givenName":      cel.StringType,
	"familyName":     cel.StringType,
	"displayName":    cel.StringType,
	"department":     cel.StringType,
	"title":          cel.StringType,
	"location":       cel.StringType,
	"managerId":      cel.StringType,
	"employmentType": cel.StringType,
	"status":         cel.StringType,
	"onLeave":        cel.BoolType,
	"startDate":      cel.TimestampType,
	"endDate":        cel.TimestampType,
	"attributes":     cel.MapType(cel.StringType, cel.StringType),
	"groups":         cel.ListType(cel.StringType),
	// sourceGroups is groups by SCIM source: "Engineering" in
	// person.sourceGroups["okta"] trusts only the okta token's groups.
	"sourceGroups": cel.MapType(cel.StringType, cel.ListType(cel.StringType)),
}

var (
	envOnce sync.Once
	env     *cel.Env
	envErr  error
)

// Env is the CEL environment rules compile in: each person field is declared
// as the qualified variable person.NAME, so a misspelt field or a type error
// ("person.startDate == 3") fails at compile time, and evaluation resolves
// names with a switch instead of building a map per person.
func Env() (*cel.Env, error) {
	envOnce.Do(func() {
		opts := make([]cel.EnvOption, 0, len(Fields))
		for name, t := range Fields {
			opts = append(opts, cel.Variable("person."+name, t))
		}
		env, envErr = cel.NewEnv(opts...)
	})
	return env, envErr
}

// Expr is a compiled, type-checked rule condition.
type Expr struct {
	Source string
	prg    cel.Program
	// Reads lists the person fields the expression reads, sorted. A change
	// of any of them is a move, and results can be memoised on their values.
	Reads []string
}

// Compile parses and type-checks a rule condition, which must be a bool, and
// rejects it if its estimated worst-case cost exceeds CostBudget.
func Compile(src string) (*Expr, error) {
	e, err := Env()
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(src) == "" {
		return nil, errors.New("empty expression")
	}
	ast, iss := e.Compile(src)
	if iss.Err() != nil {
		return nil, fmt.Errorf("%s", strings.TrimSpace(iss.Err().Error()))
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		return nil, fmt.Errorf("expression must be a bool, it is %s", ast.OutputType())
	}
	est, err := e.EstimateCost(ast, sizeEstimator{})
	if err != nil {
		return nil, fmt.Errorf("estimate cost: %w", err)
	}
	if est.Max > CostBudget {
		return nil, fmt.Errorf("expression too costly: worst case %d exceeds budget %d", est.Max, CostBudget)
	}
	prg, err := e.Program(ast, cel.CostLimit(CostBudget), cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, err
	}
	var reads []string
	for _, ref := range ast.NativeRep().ReferenceMap() {
		if name, ok := strings.CutPrefix(ref.Name, "person."); ok && !slices.Contains(reads, name) {
			reads = append(reads, name)
		}
	}
	slices.Sort(reads)
	return &Expr{Source: src, prg: prg, Reads: reads}, nil
}

// Eval runs the expression for p at now (status is derived at now).
func (x *Expr) Eval(p *person.Person) (bool, error) {
	out, _, err := x.prg.Eval(activation{p})
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("expression returned %s, not bool", out.Type())
	}
	return bool(b), nil
}

// activation resolves person.NAME straight from the struct.
type activation struct{ p *person.Person }

func (a activation) Parent() interpreter.Activation { return nil }

func (a activation) ResolveName(name string) (any, bool) {
	field, ok := strings.CutPrefix(name, "person.")
	if !ok {
		return nil, false
	}
	if field == "sourceGroups" {
		return newSourceGroups(a.p.SourceGroups), true
	}
	return a.p.Value(field)
}

// sizeEstimator bounds the sizes the cost estimator cannot know: strings of
// an HR record are short, and a person has few custom attributes.
type sizeEstimator struct{}

func (sizeEstimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	if strings.Join(n.Path(), ".") == "person.sourceGroups" {
		// One entry per identity provider pushing to the tenant: a few.
		return &cost.SizeEstimate{Min: 0, Max: maxSources}
	}
	return &cost.SizeEstimate{Min: 0, Max: 256}
}

// maxSources bounds, for the cost estimate, how many SCIM sources a person
// has; a rule may then look through all of them.
const maxSources = 16

func (sizeEstimator) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}
