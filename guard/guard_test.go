package guard

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		active  int
		percent float64
		max     int
		want    int
	}{
		{20, 10, 50, 2},    // 10 % of 20
		{5, 10, 50, 1},     // never below one: a single leaver passes
		{0, 10, 50, 1},     // an empty roster still lets one through
		{1000, 10, 50, 50}, // 100 > 50: the absolute cap wins
		{101, 10, 50, 11},  // rounded up
		{300, 0, 0, 30},    // defaults
		{1000, 100, 2000, 1000},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, Limit(tt.active, tt.percent, tt.max), "%+v", tt)
	}
}
