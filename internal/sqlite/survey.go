package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// Feedback surveys and their answers (dm.SurveyTx).

const surveyColumns = `id, brand_id, name, kind, question, created_by, created_at, updated_at`

func (t *tx) CreateSurvey(ctx context.Context, s *dm.Survey) error {
	_, err := t.exec(ctx, `INSERT INTO surveys (`+surveyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.BrandID, s.Name, s.Kind, s.Question, s.CreatedBy, ms(s.CreatedAt), ms(s.UpdatedAt))
	return wrap(err, "survey")
}

func (t *tx) PutSurvey(ctx context.Context, s *dm.Survey) error {
	n, err := t.affected(ctx, `UPDATE surveys SET name = ?, question = ?, updated_at = ? WHERE id = ?`, s.Name, s.Question, ms(s.UpdatedAt), s.ID)
	if err != nil {
		return wrap(err, "survey")
	}
	if n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "survey %s", s.ID)
	}
	return nil
}

func scanSurvey(s interface{ Scan(...any) error }) (*dm.Survey, error) {
	var v dm.Survey
	var created, updated int64
	if err := s.Scan(&v.ID, &v.BrandID, &v.Name, &v.Kind, &v.Question, &v.CreatedBy, &created, &updated); err != nil {
		return nil, wrap(err, "survey")
	}
	v.CreatedAt, v.UpdatedAt = utc(created), utc(updated)
	return &v, nil
}

func (t *tx) Survey(ctx context.Context, id string) (*dm.Survey, error) {
	return scanSurvey(t.queryRow(ctx, `SELECT `+surveyColumns+` FROM surveys WHERE id = ?`, id))
}

func (t *tx) Surveys(ctx context.Context, brandID string, limit int) ([]dm.Survey, error) {
	rows, err := t.query(ctx, `SELECT `+surveyColumns+` FROM surveys WHERE brand_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
		brandID, limitOr(limit, 50))
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
	_, err := t.exec(ctx, `INSERT INTO survey_sends (`+surveySendColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`,
		s.ID, s.SurveyID, s.BrandID, s.UserID, s.ConversationID, s.MessageID, s.AgentID, s.CampaignID, ms(s.SentAt),
		nullInt(s.Score), s.Text, nullMS(s.AnsweredAt))
	return wrap(err, "survey send")
}

func nullInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func scanSurveySend(s interface{ Scan(...any) error }) (*dm.SurveySend, error) {
	var v dm.SurveySend
	var sent int64
	var score, answered sql.NullInt64
	if err := s.Scan(&v.ID, &v.SurveyID, &v.BrandID, &v.UserID, &v.ConversationID, &v.MessageID, &v.AgentID, &v.CampaignID,
		&sent, &score, &v.Text, &answered); err != nil {
		return nil, wrap(err, "survey send")
	}
	v.SentAt, v.AnsweredAt = utc(sent), nullUTC(answered)
	if score.Valid {
		n := int(score.Int64)
		v.Score = &n
	}
	return &v, nil
}

func (t *tx) SurveySend(ctx context.Context, id string) (*dm.SurveySend, error) {
	return scanSurveySend(t.queryRow(ctx, `SELECT `+surveySendColumns+` FROM survey_sends WHERE id = ?`, id))
}

func (t *tx) AnswerSurvey(ctx context.Context, s *dm.SurveySend) error {
	n, err := t.affected(ctx, `UPDATE survey_sends SET score = ?, text = ?, answered_at = ? WHERE id = ?`,
		nullInt(s.Score), s.Text, nullMS(s.AnsweredAt), s.ID)
	if err != nil {
		return wrap(err, "survey send")
	}
	if n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "survey send %s", s.ID)
	}
	return nil
}

func (t *tx) OpenTextSurvey(ctx context.Context, conversationID string, since time.Time) (*dm.SurveySend, error) {
	return scanSurveySend(t.queryRow(ctx, `SELECT `+prefixed("s.", surveySendColumns)+` FROM survey_sends s JOIN surveys v ON v.id = s.survey_id
		WHERE s.conversation_id = ? AND s.sent_at >= ? AND s.answered_at IS NULL AND v.kind = 'text'
		ORDER BY s.sent_at DESC LIMIT 1`, conversationID, ms(since)))
}

func (t *tx) SurveySends(ctx context.Context, surveyID string, from, to time.Time, limit int) ([]dm.SurveySend, error) {
	rows, err := t.query(ctx, `SELECT `+surveySendColumns+` FROM survey_sends WHERE survey_id = ? AND sent_at >= ? AND sent_at < ?
		ORDER BY sent_at, id LIMIT ?`, surveyID, ms(from), ms(to), limit)
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
	return t.ids(ctx, `SELECT DISTINCT user_id FROM survey_sends WHERE survey_id = ? AND score < ? ORDER BY user_id`, surveyID, below)
}

func (t *tx) AudienceRSVP(ctx context.Context, campaignID, answer string) ([]string, error) {
	return t.ids(ctx, `SELECT user_id FROM campaign_rsvps WHERE campaign_id = ? AND answer = ? ORDER BY user_id`, campaignID, answer)
}

// prefixed qualifies each of a list of columns with a table's alias.
func prefixed(alias, columns string) string {
	parts := strings.Split(columns, ", ")
	for i := range parts {
		parts[i] = alias + parts[i]
	}
	return strings.Join(parts, ", ")
}
