package wire

import "time"

// Feedback surveys (see the Surveys tag of the API document).

// Survey is a brand's feedback question.
type Survey struct {
	ID string `json:"id"`
	// Name is how the team knows it.
	Name string `json:"name"`
	// Kind is csat (1 to 5), nps (0 to 10) or text (a free-text answer).
	Kind string `json:"kind"`
	// Question is the message that asks it.
	Question  string    `json:"question"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// SurveyInput creates or edits a survey.
type SurveyInput struct {
	Name string `json:"name"`
	// Kind cannot change once the survey exists.
	Kind     string `json:"kind,omitempty"`
	Question string `json:"question"`
}

// SurveyPoint is one day's score.
type SurveyPoint struct {
	// Day is the day's midnight in the brand's time zone.
	Day time.Time `json:"day"`
	// Score is the day's headline (0 when Count is 0).
	Score float64 `json:"score"`
	Count int     `json:"count"`
}

// SurveyAgent is one agent's score over the conversations they handled.
type SurveyAgent struct {
	// Agent is null for conversations nobody was assigned.
	Agent *Profile `json:"agent"`
	Score float64  `json:"score"`
	Count int      `json:"count"`
}

// SurveyTextAnswer is one free-text answer.
type SurveyTextAnswer struct {
	Customer       Profile   `json:"customer"`
	Agent          *Profile  `json:"agent"`
	ConversationID string    `json:"conversation_id"`
	Text           string    `json:"text"`
	AnsweredAt     time.Time `json:"answered_at"`
}

// SurveyResults is a survey's dashboard over a period.
type SurveyResults struct {
	Survey Survey    `json:"survey"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	// Sent counts the survey's messages sent in the period; Answered those
	// answered.
	Sent     int `json:"sent"`
	Answered int `json:"answered"`
	// Score is the headline: CSAT, the percentage of satisfied answers (4
	// or 5); NPS, the percentage of promoters (9, 10) minus that of
	// detractors (0 to 6). Null with no scored answer, and for free text.
	Score *float64 `json:"score"`
	// Distribution counts the answers of each score, lowest first (CSAT 5
	// entries, NPS 11, text none).
	Distribution []int `json:"distribution"`
	// Trend is the score per day of the period, oldest first.
	Trend  []SurveyPoint      `json:"trend"`
	Agents []SurveyAgent      `json:"agents"`
	Texts  []SurveyTextAnswer `json:"texts"`
	// Truncated: the period had more sends than a dashboard reads (100,000).
	Truncated bool `json:"truncated"`
}
