package campaign

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAudienceResolve(t *testing.T) {
	leaves := Leaves{
		Followers: func() ([]string, error) { return []string{"a", "b", "c", "d"}, nil },
		Label: func(l string) ([]string, error) {
			if l == "vip" {
				return []string{"b", "e"}, nil
			}
			return []string{}, nil
		},
		Attribute: func(k, v string) ([]string, error) {
			if k == "tier" && v == "gold" {
				return []string{"c", "e"}, nil
			}
			return []string{}, nil
		},
		WroteDays: func(d int) ([]string, error) {
			if d <= 7 {
				return []string{"d", "f"}, nil
			}
			return []string{"a", "d", "f"}, nil
		},
		Everyone: func() ([]string, error) { return []string{"a", "b", "c", "d", "e", "f"}, nil },
	}
	cases := []struct {
		name string
		a    Audience
		want []string
	}{
		{"followers", Audience{Followers: true}, []string{"a", "b", "c", "d"}},
		{"label", Audience{Label: "vip"}, []string{"b", "e"}},
		{"attribute", Audience{Attribute: &Attribute{Key: "tier", Value: "gold"}}, []string{"c", "e"}},
		{"wrote", Audience{WroteWithinDays: 7}, []string{"d", "f"}},
		{"or", Audience{Or: []*Audience{{Label: "vip"}, {WroteWithinDays: 7}}}, []string{"b", "d", "e", "f"}},
		{"and", Audience{And: []*Audience{{Followers: true}, {Label: "vip"}}}, []string{"b"}},
		{"and not", Audience{And: []*Audience{{Followers: true}, {Not: &Audience{WroteWithinDays: 30}}}}, []string{"b", "c"}},
		{"not alone", Audience{Not: &Audience{Followers: true}}, []string{"e", "f"}},
		{"and of nots", Audience{And: []*Audience{{Not: &Audience{Followers: true}}, {Not: &Audience{Label: "vip"}}}}, []string{"f"}},
		{"nested", Audience{Or: []*Audience{{And: []*Audience{{Followers: true}, {Attribute: &Attribute{Key: "tier", Value: "gold"}}}}, {Label: "vip"}}}, []string{"b", "c", "e"}},
		{"empty label", Audience{Label: "none"}, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.a.Validate("audience"); err != nil {
				t.Fatalf("validate: %v", err)
			}
			got, err := tc.a.Resolve(leaves)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 && len(tc.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAudienceValidate(t *testing.T) {
	deep := &Audience{Followers: true}
	for range 10 {
		deep = &Audience{Not: deep}
	}
	wide := &Audience{}
	for range 60 {
		wide.Or = append(wide.Or, &Audience{Followers: true})
	}
	cases := []struct {
		a    *Audience
		want string
	}{
		{nil, "audience: an audience is required."},
		{&Audience{}, "audience: exactly one of"},
		{&Audience{Followers: true, Label: "x"}, "audience: exactly one of"},
		{&Audience{Or: []*Audience{}}, "audience.or: at least one term."},
		{&Audience{And: []*Audience{{Followers: true}, {WroteWithinDays: -1}}}, "audience.and[1].wrote_within_days: 1 to 3650."},
		{&Audience{Label: strings.Repeat("x", 51)}, "audience.label: at most 50"},
		{&Audience{Attribute: &Attribute{}}, "audience.attribute:"},
		{deep, "nested at most 8 deep"},
		{wide, "at most 50 terms"},
	}
	for _, tc := range cases {
		err := tc.a.Validate("audience")
		var inv *Invalid
		if !errors.As(err, &inv) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.a, err, tc.want)
		}
	}
}

func TestSetOps(t *testing.T) {
	a, b := []string{"a", "c", "e", "g"}, []string{"b", "c", "d", "g", "h"}
	if got := Intersect(a, b); !reflect.DeepEqual(got, []string{"c", "g"}) {
		t.Errorf("intersect %v", got)
	}
	if got := Union(a, b); !reflect.DeepEqual(got, []string{"a", "b", "c", "d", "e", "g", "h"}) {
		t.Errorf("union %v", got)
	}
	if got := Minus(a, b); !reflect.DeepEqual(got, []string{"a", "e"}) {
		t.Errorf("minus %v", got)
	}
}

// TestPickVariant: a recipient always gets the same variant, and the split
// follows the weights within a few percent over 10,000 recipients.
func TestPickVariant(t *testing.T) {
	vs := []Variant{{Name: "A", Weight: 70}, {Name: "B", Weight: 20}, {Name: "C", Weight: 10}}
	counts := map[string]int{}
	for i := range 10000 {
		u := fmt.Sprintf("user-%d", i)
		v := PickVariant(vs, "camp-1", u)
		if again := PickVariant(vs, "camp-1", u); again.Name != v.Name {
			t.Fatalf("%s got %s then %s", u, v.Name, again.Name)
		}
		counts[v.Name]++
	}
	for _, v := range vs {
		share := float64(counts[v.Name]) / 100
		if share < float64(v.Weight)-2 || share > float64(v.Weight)+2 {
			t.Errorf("variant %s: %.1f%%, want %d%%", v.Name, share, v.Weight)
		}
	}
	if got := PickVariant(vs[:1], "c", "u"); got.Name != "A" {
		t.Errorf("one variant: %s", got.Name)
	}
}

func TestPaceOf(t *testing.T) {
	cases := []struct {
		rate, lanes int
		want        Pace
	}{
		{600, 2, Pace{5, time.Second}},       // 10/s split in two
		{60, 2, Pace{1, 2 * time.Second}},    // 0.5/s per lane
		{600000, 2, Pace{5000, time.Second}}, // the maximum
		{0, 2, Pace{5, time.Second}},         // the default
		{90, 1, Pace{2, 1333333333}},         // 1.5/s: 2 every 1.33 s
	}
	for _, tc := range cases {
		if got := PaceOf(tc.rate, tc.lanes); got != tc.want {
			t.Errorf("PaceOf(%d, %d) = %+v, want %+v", tc.rate, tc.lanes, got, tc.want)
		}
	}
}

func TestPaceSplit(t *testing.T) {
	cases := []struct {
		in   Pace
		want Pace
	}{
		{Pace{2500, time.Second}, Pace{125, 50 * time.Millisecond}},    // 5,000/s in two lanes
		{Pace{5000, time.Second}, Pace{128, 25600 * time.Microsecond}}, // capped by the batch size
		{Pace{50, time.Second}, Pace{3, 60 * time.Millisecond}},        // 50/s: 3 every 60 ms
		{Pace{5, time.Second}, Pace{1, 200 * time.Millisecond}},        // 5/s: one at a time
		{Pace{1, 2 * time.Second}, Pace{1, 2 * time.Second}},           // slower than one a batch
		{Pace{2, 1333333333}, Pace{1, 666666666}},                      // 1.5/s
	}
	for _, tc := range cases {
		got := tc.in.Split(128, 50*time.Millisecond)
		if got.Batch != tc.want.Batch || (got.Every-tc.want.Every).Abs() > time.Microsecond {
			t.Errorf("%+v.Split = %+v, want %+v", tc.in, got, tc.want)
		}
		// The rate stays.
		if r0, r1 := float64(tc.in.Batch)/tc.in.Every.Seconds(), float64(got.Batch)/got.Every.Seconds(); math.Abs(r0-r1) > r0*1e-6 {
			t.Errorf("%+v.Split changes the rate: %.3f/s, want %.3f/s", tc.in, r1, r0)
		}
	}
}

func TestValidateSteps(t *testing.T) {
	ok := func(path, text string) error {
		if text == "" {
			return &Invalid{path + ": empty."}
		}
		return nil
	}
	v := func(name string, w int) Variant { return Variant{Name: name, Text: "hi", Weight: w} }
	cases := []struct {
		steps []Step
		want  string
	}{
		{[]Step{{Variants: []Variant{v("A", 100)}}}, ""},
		{[]Step{{Variants: []Variant{v("A", 50), v("B", 50)}}}, ""},
		{nil, "steps: 1 to 3 steps."},
		{[]Step{{Variants: []Variant{v("A", 1)}}, {Variants: []Variant{v("A", 1)}}}, "steps[1].delay_minutes: 1 to 43200."},
		{[]Step{{}}, "steps[0].variants: 1 to 5 variants."},
		{[]Step{{Variants: []Variant{v("A", 50), v("A", 50)}}}, "steps[0].variants[1].name: \"A\" is used twice."},
		{[]Step{{Variants: []Variant{v("A", 50), v("B", 0)}}}, "steps[0].variants[1].weight: 1 to 100."},
		{[]Step{{Variants: []Variant{{Name: "A", Weight: 1}}}}, "steps[0].variants[0].text: empty."},
		{[]Step{{Variants: []Variant{v("A", 1)}, QuickReplies: []QuickReply{{Title: strings.Repeat("x", 21)}}}}, "steps[0].quick_replies[0].title: 1 to 20 characters."},
	}
	for _, tc := range cases {
		err := ValidateSteps(tc.steps, ok)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.steps, got, tc.want)
		}
	}
}
