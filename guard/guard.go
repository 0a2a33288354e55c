package guard

import "math"

// Defaults for a tenant that sets no guard: the smaller of 10 % of active
// people and 50 people.
const (
	DefaultPercent = 10
	DefaultMax     = 50
)

// Limit is how many people one batch may remove access from before it is
// held: the smaller of percent % of active people and max. The percentage
// is rounded up and the limit is at least 1, so a small company's single
// leaver is never held, while a truncated export always is.
func Limit(active int, percent float64, most int) int {
	if percent <= 0 {
		percent = DefaultPercent
	}
	if most <= 0 {
		most = DefaultMax
	}
	l := int(math.Ceil(float64(active) * percent / 100))
	return min(max(1, l), most)
}
