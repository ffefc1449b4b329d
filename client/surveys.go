package client

import (
	"context"
	"io"
	"net/http"
	"strconv"

	"github.com/parleyhq/parley/wire"
)

// The survey wire types (see the Surveys tag of the API document).
type (
	Survey           = wire.Survey
	SurveyInput      = wire.SurveyInput
	SurveyResults    = wire.SurveyResults
	SurveyPoint      = wire.SurveyPoint
	SurveyAgent      = wire.SurveyAgent
	SurveyTextAnswer = wire.SurveyTextAnswer
	AudienceSurvey   = wire.AudienceSurvey
	AudienceRSVP     = wire.AudienceRSVP
)

// Surveys lists a brand's surveys.
func (c *Client) Surveys(ctx context.Context, brand string) ([]Survey, error) {
	var out struct {
		Surveys []Survey `json:"surveys"`
	}
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/surveys", brand), nil, &out)
	return out.Surveys, err
}

// CreateSurvey saves a survey.
func (c *Client) CreateSurvey(ctx context.Context, brand string, in SurveyInput) (*Survey, error) {
	var out struct {
		Survey *Survey `json:"survey"`
	}
	_, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/surveys", brand), in, &out)
	return out.Survey, err
}

// UpdateSurvey changes a survey's name and question.
func (c *Client) UpdateSurvey(ctx context.Context, brand, id string, in SurveyInput) (*Survey, error) {
	var out struct {
		Survey *Survey `json:"survey"`
	}
	_, err := c.call(ctx, http.MethodPut, pathf("/api/v1/brands/%s/surveys/%s", brand, id), in, &out)
	return out.Survey, err
}

// SurveyResults is a survey's dashboard over the last days (0: 30).
func (c *Client) SurveyResults(ctx context.Context, brand, id string, days int) (*SurveyResults, error) {
	var out struct {
		Results *SurveyResults `json:"results"`
	}
	p := pathf("/api/v1/brands/%s/surveys/%s/results", brand, id)
	if days != 0 {
		p += "?days=" + strconv.Itoa(days)
	}
	_, err := c.call(ctx, http.MethodGet, p, nil, &out)
	return out.Results, err
}

// SurveyCSV returns a survey's answers of the last days (0: 30) as CSV.
func (c *Client) SurveyCSV(ctx context.Context, brand, id string, days int) (string, error) {
	u := c.base + pathf("/api/v1/brands/%s/surveys/%s/answers.csv", brand, id)
	if days != 0 {
		u += "?days=" + strconv.Itoa(days)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	if tok := c.Token(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", decodeError(resp)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	return string(b), err
}
