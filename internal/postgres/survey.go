package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/internal/dm"
)

// Feedback surveys and their answers (dm.SurveyTx).

const surveyColumns = `id, brand_id, name, kind, question, created_by, created_at, updated_at`

func (t *tx) CreateSurvey(ctx context.Context, s *dm.Survey) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO surveys (`+surveyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		s.ID, s.BrandID, s.Name, s.Kind, s.Question, s.CreatedBy, s.CreatedAt, s.UpdatedAt)
	return wrap(err, "survey")
}

func (t *tx) PutSurvey(ctx context.Context, s *dm.Survey) error {
	tag, err := t.tx.Exec(ctx, `UPDATE surveys SET name = $1, question = $2, updated_at = $3 WHERE id = $4`, s.Name, s.Question, s.UpdatedAt, s.ID)
	if err != nil {
		return wrap(err, "survey")
	}
	if tag.RowsAffected() == 0 {
		return dm.Errorf(dm.ENOTFOUND, "survey %s", s.ID)
	}
	return nil
}

func scanSurvey(s pgx.Row) (*dm.Survey, error) {
	var v dm.Survey
	if err := s.Scan(&v.ID, &v.BrandID, &v.Name, &v.Kind, &v.Question, &v.CreatedBy, &v.CreatedAt, &v.UpdatedAt); err != nil {
		return nil, wrap(err, "survey")
	}
	v.CreatedAt, v.UpdatedAt = v.CreatedAt.UTC(), v.UpdatedAt.UTC()
	return &v, nil
}

func (t *tx) Survey(ctx context.Context, id string) (*dm.Survey, error) {
	return scanSurvey(t.tx.QueryRow(ctx, `SELECT `+surveyColumns+` FROM surveys WHERE id = $1`, id))
}

func (t *tx) Surveys(ctx context.Context, brandID string, limit int) ([]dm.Survey, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := t.tx.Query(ctx, `SELECT `+surveyColumns+` FROM surveys WHERE brand_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, brandID, limit)
	if err != nil {
		return nil, wrap(err, "surveys")
	}
	defer rows.Close()
	out := []dm.Survey{}
	for rows.Next() {
		v, err := scanSurvey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, wrap(rows.Err(), "surveys")
}

const surveySendColumns = `id, survey_id, brand_id, user_id, conversation_id, message_id, agent_id, campaign_id, sent_at, score, text, answered_at`

func (t *tx) InsertSurveySend(ctx context.Context, s *dm.SurveySend) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO survey_sends (`+surveySendColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (id) DO NOTHING`,
		s.ID, s.SurveyID, s.BrandID, s.UserID, s.ConversationID, s.MessageID, s.AgentID, s.CampaignID, s.SentAt, s.Score, s.Text, s.AnsweredAt)
	return wrap(err, "survey send")
}

func scanSurveySend(s pgx.Row) (*dm.SurveySend, error) {
	var v dm.SurveySend
	var score *int32
	if err := s.Scan(&v.ID, &v.SurveyID, &v.BrandID, &v.UserID, &v.ConversationID, &v.MessageID, &v.AgentID, &v.CampaignID,
		&v.SentAt, &score, &v.Text, &v.AnsweredAt); err != nil {
		return nil, wrap(err, "survey send")
	}
	v.SentAt, v.AnsweredAt = v.SentAt.UTC(), utcPtr(v.AnsweredAt)
	if score != nil {
		n := int(*score)
		v.Score = &n
	}
	return &v, nil
}

func (t *tx) SurveySend(ctx context.Context, id string) (*dm.SurveySend, error) {
	return scanSurveySend(t.tx.QueryRow(ctx, `SELECT `+surveySendColumns+` FROM survey_sends WHERE id = $1`, id))
}

func (t *tx) AnswerSurvey(ctx context.Context, s *dm.SurveySend) error {
	tag, err := t.tx.Exec(ctx, `UPDATE survey_sends SET score = $1, text = $2, answered_at = $3 WHERE id = $4`, s.Score, s.Text, s.AnsweredAt, s.ID)
	if err != nil {
		return wrap(err, "survey send")
	}
	if tag.RowsAffected() == 0 {
		return dm.Errorf(dm.ENOTFOUND, "survey send %s", s.ID)
	}
	return nil
}

func (t *tx) OpenTextSurvey(ctx context.Context, conversationID string, since time.Time) (*dm.SurveySend, error) {
	return scanSurveySend(t.tx.QueryRow(ctx, `SELECT `+prefixed("s.", surveySendColumns)+` FROM survey_sends s JOIN surveys v ON v.id = s.survey_id
		WHERE s.conversation_id = $1 AND s.sent_at >= $2 AND s.answered_at IS NULL AND v.kind = 'text'
		ORDER BY s.sent_at DESC LIMIT 1`, conversationID, since))
}

func (t *tx) SurveySends(ctx context.Context, surveyID string, from, to time.Time, limit int) ([]dm.SurveySend, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+surveySendColumns+` FROM survey_sends WHERE survey_id = $1 AND sent_at >= $2 AND sent_at < $3
		ORDER BY sent_at, id COLLATE "C" LIMIT $4`, surveyID, from, to, limit)
	if err != nil {
		return nil, wrap(err, "survey sends")
	}
	defer rows.Close()
	out := []dm.SurveySend{}
	for rows.Next() {
		v, err := scanSurveySend(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, wrap(rows.Err(), "survey sends")
}

func (t *tx) AudienceSurveyBelow(ctx context.Context, surveyID string, below int) ([]string, error) {
	return t.ids(ctx, `SELECT DISTINCT user_id COLLATE "C" FROM survey_sends WHERE survey_id = $1 AND score < $2 ORDER BY 1`, surveyID, below)
}

func (t *tx) AudienceRSVP(ctx context.Context, campaignID, answer string) ([]string, error) {
	return t.ids(ctx, `SELECT user_id FROM campaign_rsvps WHERE campaign_id = $1 AND answer = $2 ORDER BY user_id COLLATE "C"`, campaignID, answer)
}

// prefixed qualifies each of a list of columns with a table's alias.
func prefixed(alias, columns string) string {
	parts := strings.Split(columns, ", ")
	for i := range parts {
		parts[i] = alias + parts[i]
	}
	return strings.Join(parts, ", ")
}
