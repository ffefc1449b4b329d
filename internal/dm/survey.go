package dm

import (
	"context"
	"time"
)

// This file holds feedback surveys: a brand's question (CSAT 1-5, NPS 0-10
// or free text), sent after a conversation is resolved (an automation
// action) or as a campaign. Each message that asks it is a SurveySend; the
// recipient's answer is kept on it, so there is one answer per (send,
// recipient) and a later tap replaces it. internal/campaign/survey.go holds
// the pure rules (kinds, buttons, scoring); internal/brand/surveys.go the
// glue.

// Survey kinds.
const (
	SurveyCSAT = "csat" // 1 to 5; satisfied is 4 or 5
	SurveyNPS  = "nps"  // 0 to 10; promoters 9-10, detractors 0-6
	SurveyText = "text" // a free-text answer: the customer's next message
)

// Survey is a brand's feedback question.
type Survey struct {
	ID        string
	BrandID   string
	Name      string
	Kind      string
	Question  string
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SurveySend is one message asking a survey of one recipient, and their
// answer. It is written in the transaction of the message that asks, so a
// row exists only for a survey that was sent.
type SurveySend struct {
	ID       string
	SurveyID string
	BrandID  string
	UserID   string
	// ConversationID and MessageID are the conversation and the message
	// that asked.
	ConversationID string
	MessageID      string
	// AgentID is the agent who handled the conversation: its assignee when
	// it was resolved (automation), or when the campaign's message was sent
	// ("" when nobody was assigned).
	AgentID    string
	CampaignID string // "" for a survey sent by automation
	SentAt     time.Time
	// Score is the answer of a CSAT or NPS survey (nil: not answered).
	Score *int
	// Text is the answer of a free-text survey.
	Text       string
	AnsweredAt *time.Time
}

// SurveyTx is what a store keeps for surveys.
type SurveyTx interface {
	CreateSurvey(ctx context.Context, s *Survey) error
	// PutSurvey replaces a survey's name and question (ENOTFOUND if none).
	PutSurvey(ctx context.Context, s *Survey) error
	Survey(ctx context.Context, id string) (*Survey, error)
	// Surveys lists a brand's surveys, newest first.
	Surveys(ctx context.Context, brandID string, limit int) ([]Survey, error)

	// InsertSurveySend records a survey sent; a send whose id exists is
	// left as it is (a follow-up asking again keeps the first message).
	InsertSurveySend(ctx context.Context, s *SurveySend) error
	// SurveySend returns one send (ENOTFOUND if none).
	SurveySend(ctx context.Context, id string) (*SurveySend, error)
	// AnswerSurvey sets a send's answer (Score or Text, AnsweredAt).
	AnswerSurvey(ctx context.Context, s *SurveySend) error
	// OpenTextSurvey is the newest free-text survey sent in a conversation
	// since a time and not answered yet (ENOTFOUND if none).
	OpenTextSurvey(ctx context.Context, conversationID string, since time.Time) (*SurveySend, error)
	// SurveySends lists a survey's sends of [from, to), by SentAt, at most
	// limit.
	SurveySends(ctx context.Context, surveyID string, from, to time.Time, limit int) ([]SurveySend, error)

	// Audience leaves, each sorted: who answered a survey with a score
	// below a bound, and who answered an invitation.
	AudienceSurveyBelow(ctx context.Context, surveyID string, below int) ([]string, error)
	AudienceRSVP(ctx context.Context, campaignID, answer string) ([]string, error)
}
