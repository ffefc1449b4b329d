package campaign

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// TypeSurvey is a feedback survey sent as a campaign: the step's message,
// then the survey's question with its buttons (CSAT, NPS) or waiting for the
// person's next message (free text).
const TypeSurvey = "survey"

// Survey kinds (the same strings as dm.SurveyCSAT, dm.SurveyNPS, dm.SurveyText).
const (
	KindCSAT = "csat"
	KindNPS  = "nps"
	KindText = "text"
)

// Survey limits.
const (
	MaxSurveyNameRunes     = 80
	MaxSurveyQuestionRunes = 500
	MaxSurveyTextRunes     = 2000 // a free-text answer is kept up to this
)

// ValidateSurvey checks a survey's name, kind and question.
func ValidateSurvey(name, kind, question string) error {
	if n := utf8.RuneCountInString(strings.TrimSpace(name)); n == 0 || n > MaxSurveyNameRunes || !utf8.ValidString(name) {
		return invalid("name: 1 to %d characters.", MaxSurveyNameRunes)
	}
	if !controlFree(name, false) {
		return invalid("name: one line, without control characters.")
	}
	switch kind {
	case KindCSAT, KindNPS, KindText:
	default:
		return invalid("kind: one of csat, nps, text.")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(question)); n == 0 || n > MaxSurveyQuestionRunes || !utf8.ValidString(question) {
		return invalid("question: 1 to %d characters.", MaxSurveyQuestionRunes)
	}
	// The question goes out as a message: the rules of a message's text.
	if !controlFree(question, true) {
		return invalid("question: without control characters (line breaks and tabs are fine).")
	}
	return nil
}

// ScoreRange is the lowest and highest score of a kind (ok false for text).
func ScoreRange(kind string) (lo, hi int, ok bool) {
	switch kind {
	case KindCSAT:
		return 1, 5, true
	case KindNPS:
		return 0, 10, true
	}
	return 0, 0, false
}

// SurveyPayload is the payload of the button that answers score to send.
func SurveyPayload(sendID string, score int) string {
	return "survey:" + sendID + ":" + strconv.Itoa(score)
}

// ParseSurveyPayload reads a survey button's payload.
func ParseSurveyPayload(payload string) (sendID string, score int, ok bool) {
	rest, ok := strings.CutPrefix(payload, "survey:")
	if !ok {
		return "", 0, false
	}
	id, n, ok := strings.Cut(rest, ":")
	if !ok || id == "" || len(n) == 0 || len(n) > 2 {
		return "", 0, false
	}
	score, err := strconv.Atoi(n)
	if err != nil || score < 0 || score > 10 {
		return "", 0, false
	}
	return id, score, true
}

// SurveyButtons are the quick replies of a survey: 1 to 5 for CSAT (the
// titles carry their meaning at both ends), 0 to 10 for NPS, none for text.
func SurveyButtons(kind, sendID string) []QuickReply {
	lo, hi, ok := ScoreRange(kind)
	if !ok {
		return nil
	}
	out := make([]QuickReply, 0, hi-lo+1)
	for n := lo; n <= hi; n++ {
		title := strconv.Itoa(n)
		if kind == KindCSAT {
			title = csatTitles[n-1]
		}
		out = append(out, QuickReply{Title: title, Payload: SurveyPayload(sendID, n)})
	}
	return out
}

var csatTitles = []string{"1 Very bad", "2 Bad", "3 OK", "4 Good", "5 Very good"}

// Headline is a set of scores' headline number, in percent rounded to one
// decimal: for CSAT the share of satisfied answers (4 or 5), for NPS the
// share of promoters (9, 10) minus the share of detractors (0 to 6), from
// -100 to 100. ok is false when there is nothing to score.
func Headline(kind string, scores []int) (v float64, ok bool) {
	if len(scores) == 0 {
		return 0, false
	}
	n := float64(len(scores))
	switch kind {
	case KindCSAT:
		good := 0
		for _, s := range scores {
			if s >= 4 {
				good++
			}
		}
		return round1(float64(good) / n * 100), true
	case KindNPS:
		pro, det := 0, 0
		for _, s := range scores {
			switch {
			case s >= 9:
				pro++
			case s <= 6:
				det++
			}
		}
		return round1(float64(pro-det) / n * 100), true
	}
	return 0, false
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// Distribution counts the answers of each score, lowest first.
func Distribution(kind string, scores []int) []int {
	lo, hi, ok := ScoreRange(kind)
	if !ok {
		return []int{}
	}
	out := make([]int, hi-lo+1)
	for _, s := range scores {
		if s >= lo && s <= hi {
			out[s-lo]++
		}
	}
	return out
}

// Answer is one scored answer, for the trend and the per-agent breakdown.
type Answer struct {
	Score   int
	At      time.Time
	AgentID string
}

// Point is a day's headline and how many answered that day.
type Point struct {
	Day   time.Time // midnight, in the brand's zone
	Score float64
	Count int
}

// Trend is the headline per day of loc, from the day of from to the day of
// to, oldest first; days with no answer have Count 0 (and Score 0).
func Trend(kind string, as []Answer, from, to time.Time, loc *time.Location) []Point {
	day := func(t time.Time) time.Time {
		t = t.In(loc)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	}
	byDay := map[time.Time][]int{}
	for _, a := range as {
		d := day(a.At)
		byDay[d] = append(byDay[d], a.Score)
	}
	var out []Point
	for d, end := day(from), day(to); !d.After(end) && len(out) < 366; d = d.AddDate(0, 0, 1) {
		p := Point{Day: d}
		if s := byDay[d]; len(s) > 0 {
			p.Score, _ = Headline(kind, s)
			p.Count = len(s)
		}
		out = append(out, p)
	}
	return out
}

// AgentScore is one agent's headline over the answers of the conversations
// they handled ("" is nobody assigned).
type AgentScore struct {
	AgentID string
	Score   float64
	Count   int
}

// ByAgent is the headline per agent, most answers first (then by id).
func ByAgent(kind string, as []Answer) []AgentScore {
	m := map[string][]int{}
	for _, a := range as {
		m[a.AgentID] = append(m[a.AgentID], a.Score)
	}
	out := make([]AgentScore, 0, len(m))
	for id, s := range m {
		v, _ := Headline(kind, s)
		out = append(out, AgentScore{AgentID: id, Score: v, Count: len(s)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].AgentID < out[j].AgentID
	})
	return out
}

// SafeCell guards a CSV cell against formula injection: a spreadsheet
// runs a cell that starts with = + - or @ (or a tab or carriage return
// before one) as a formula, so such a cell gets a leading apostrophe. The
// CSV writer does the quoting.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
