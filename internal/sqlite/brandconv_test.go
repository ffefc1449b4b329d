package sqlite

import (
	"database/sql"
	"slices"
	"testing"
)

// TestSplitNumbers reads qBrandConversation's numbers column: an empty
// field is NULL, a negative number is read, and a column with a field too
// few or too many, or a field that is not a number, is an error.
func TestSplitNumbers(t *testing.T) {
	v := func(n int64) sql.NullInt64 { return sql.NullInt64{Int64: n, Valid: true} }
	for _, c := range []struct {
		in   string
		want []sql.NullInt64
		err  bool
	}{
		{in: "1,,3", want: []sql.NullInt64{v(1), {}, v(3)}},
		{in: ",,", want: []sql.NullInt64{{}, {}, {}}},
		{in: "-5,1782000000000,0", want: []sql.NullInt64{v(-5), v(1782000000000), v(0)}},
		{in: "1,2", err: true},
		{in: "1,2,3,4", err: true},
		{in: "1,x,3", err: true},
		{in: "", err: true},
	} {
		got := make([]sql.NullInt64, 3)
		err := splitNumbers(c.in, got)
		if (err != nil) != c.err {
			t.Errorf("%q: error %v, want one: %v", c.in, err, c.err)
			continue
		}
		if err == nil && !slices.Equal(got, c.want) {
			t.Errorf("%q = %v, want %v", c.in, got, c.want)
		}
	}
}
