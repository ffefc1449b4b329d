package campaign

import (
	"slices"
	"testing"
	"time"
)

func TestHeadline(t *testing.T) {
	for _, tc := range []struct {
		name   string
		kind   string
		scores []int
		want   float64
		ok     bool
	}{
		{"csat none", KindCSAT, nil, 0, false},
		{"csat all satisfied", KindCSAT, []int{4, 5, 5}, 100, true},
		{"csat none satisfied", KindCSAT, []int{1, 2, 3}, 0, true},
		{"csat 3 is not satisfied", KindCSAT, []int{3, 4}, 50, true},
		{"csat a third, rounded", KindCSAT, []int{5, 1, 2}, 33.3, true},
		{"csat two thirds, rounded", KindCSAT, []int{5, 4, 2}, 66.7, true},
		{"nps none", KindNPS, nil, 0, false},
		{"nps all promoters", KindNPS, []int{9, 10}, 100, true},
		{"nps all detractors", KindNPS, []int{0, 6}, -100, true},
		{"nps passives count in the total only", KindNPS, []int{7, 8, 9, 10}, 50, true},
		{"nps even", KindNPS, []int{10, 0, 8}, 0, true},
		{"nps one in three", KindNPS, []int{10, 7, 7}, 33.3, true},
		{"text has no score", KindText, []int{1}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Headline(tc.kind, tc.scores)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Headline(%s, %v) = %v, %v; want %v, %v", tc.kind, tc.scores, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestDistribution(t *testing.T) {
	for _, tc := range []struct {
		kind   string
		scores []int
		want   []int
	}{
		{KindCSAT, []int{1, 5, 5, 9, 0}, []int{1, 0, 0, 0, 2}}, // out of range ignored
		{KindNPS, []int{0, 10, 10}, []int{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}},
		{KindText, []int{1}, []int{}},
	} {
		if got := Distribution(tc.kind, tc.scores); !slices.Equal(got, tc.want) {
			t.Errorf("Distribution(%s, %v) = %v, want %v", tc.kind, tc.scores, got, tc.want)
		}
	}
}

func TestTrendAndAgents(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	d := func(day, hour int) time.Time { return time.Date(2026, 6, day, hour, 0, 0, 0, time.UTC) }
	as := []Answer{
		{Score: 5, At: d(1, 10), AgentID: "bo"},
		{Score: 1, At: d(1, 23), AgentID: "bo"}, // 01:00 on the 2nd in Paris
		{Score: 4, At: d(3, 9), AgentID: "al"},
		{Score: 2, At: d(3, 12), AgentID: ""},
	}
	tr := Trend(KindCSAT, as, d(1, 0), d(4, 0), paris)
	if len(tr) != 4 {
		t.Fatalf("trend has %d days, want 4: %+v", len(tr), tr)
	}
	want := []Point{{Score: 100, Count: 1}, {Score: 0, Count: 1}, {Score: 50, Count: 2}, {}}
	for i, p := range tr {
		if p.Score != want[i].Score || p.Count != want[i].Count || p.Day.Day() != 1+i || p.Day.Hour() != 0 {
			t.Errorf("day %d: %+v, want %+v", i, p, want[i])
		}
	}
	ag := ByAgent(KindCSAT, as)
	if len(ag) != 3 || ag[0] != (AgentScore{"bo", 50, 2}) || ag[1] != (AgentScore{"", 0, 1}) || ag[2] != (AgentScore{"al", 100, 1}) {
		t.Errorf("by agent: %+v", ag)
	}
}

func TestSurveyPayloadsAndButtons(t *testing.T) {
	bs := SurveyButtons(KindNPS, "s1")
	if len(bs) != 11 || bs[0].Payload != "survey:s1:0" || bs[10].Title != "10" {
		t.Errorf("nps buttons %+v", bs)
	}
	if bs := SurveyButtons(KindCSAT, "s1"); len(bs) != 5 || bs[3].Title != "4 Good" || bs[3].Payload != "survey:s1:4" {
		t.Errorf("csat buttons %+v", bs)
	}
	if bs := SurveyButtons(KindText, "s1"); len(bs) != 0 {
		t.Errorf("text buttons %+v", bs)
	}
	for _, tc := range []struct {
		in    string
		id    string
		score int
		ok    bool
	}{
		{"survey:abc:4", "abc", 4, true},
		{"survey:abc:10", "abc", 10, true},
		{"survey:abc:11", "", 0, false},
		{"survey:abc:-1", "", 0, false},
		{"survey::4", "", 0, false},
		{"survey:abc", "", 0, false},
		{"survey:abc:4x", "", 0, false},
		{"rsvp:abc:yes", "", 0, false},
	} {
		id, n, ok := ParseSurveyPayload(tc.in)
		if id != tc.id || n != tc.score || ok != tc.ok {
			t.Errorf("ParseSurveyPayload(%q) = %q, %d, %v", tc.in, id, n, ok)
		}
	}
}

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"":                 "",
		"hello":            "hello",
		"=1+1":             "'=1+1",
		"+33 6 12":         "'+33 6 12",
		"-2":               "'-2",
		"@SUM(A1)":         "'@SUM(A1)",
		"\t=1":             "'\t=1",
		"\r=1":             "'\r=1",
		"a=b":              "a=b",
		`He said "no", ok`: `He said "no", ok`,
	} {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidateSurvey(t *testing.T) {
	for _, tc := range []struct {
		name, kind, q, field string
	}{
		{"", "csat", "q", "name"},
		{"n", "stars", "q", "kind"},
		{"n", "nps", " ", "question"},
	} {
		err := ValidateSurvey(tc.name, tc.kind, tc.q)
		if err == nil || err.Error()[:len(tc.field)] != tc.field {
			t.Errorf("ValidateSurvey(%q, %q, %q) = %v, want an error on %s", tc.name, tc.kind, tc.q, err, tc.field)
		}
	}
	if err := ValidateSurvey("n", "text", "What next?"); err != nil {
		t.Error(err)
	}
}

func TestAudienceAnswerLeaves(t *testing.T) {
	l := Leaves{
		Followers:   func() ([]string, error) { return []string{"a", "b", "c"}, nil },
		SurveyBelow: func(id string, below int) ([]string, error) { return []string{"b", "d"}, nil },
		RSVP: func(id, answer string) ([]string, error) {
			if answer != RSVPYes {
				t.Errorf("rsvp answer %q, want the default yes", answer)
			}
			return []string{"a", "d"}, nil
		},
	}
	a := &Audience{And: []*Audience{{Followers: true}, {Or: []*Audience{{SurveyBelow: &SurveyBelow{SurveyID: "s", Below: 4}}, {RSVP: &RSVPAnswer{CampaignID: "e"}}}}}}
	if err := a.Validate("audience"); err != nil {
		t.Fatal(err)
	}
	got, err := a.Resolve(l)
	if err != nil || !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("followers and (unhappy or going) = %v, %v; want a, b", got, err)
	}
	for _, tc := range []struct {
		a     Audience
		field string
	}{
		{Audience{SurveyBelow: &SurveyBelow{SurveyID: "s", Below: 0}}, "audience.survey_below.below"},
		{Audience{SurveyBelow: &SurveyBelow{Below: 3}}, "audience.survey_below.survey_id"},
		{Audience{RSVP: &RSVPAnswer{CampaignID: "e", Answer: "perhaps"}}, "audience.rsvp.answer"},
		{Audience{RSVP: &RSVPAnswer{CampaignID: "e"}, Followers: true}, "audience: exactly one"},
	} {
		err := tc.a.Validate("audience")
		if err == nil || err.Error()[:len(tc.field)] != tc.field {
			t.Errorf("Validate(%+v) = %v, want an error on %s", tc.a, err, tc.field)
		}
	}
}
