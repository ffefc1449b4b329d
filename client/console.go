package client

import (
	"context"
	"net/http"

	"github.com/parleyhq/parley/wire"
)

// The brand console's support-desk types (see the Brands tag of the API
// document): service levels, agent teams, macros, the customer panel.
type (
	SLAState      = wire.SLAState
	AuditEntry    = wire.AuditEntry
	ServiceLevels = wire.ServiceLevels
	AgentTeam     = wire.AgentTeam
	Macro         = wire.Macro
	MacroResult   = wire.MacroResult
	CustomerPanel = wire.CustomerPanel
	CustomerNote  = wire.CustomerNote
)

// ServiceLevelsUpdate changes a brand's service levels; nil fields stay.
type ServiceLevelsUpdate struct {
	FirstResponseMinutes *int `json:"first_response_minutes,omitempty"`
	NextResponseMinutes  *int `json:"next_response_minutes,omitempty"`
	MaxOpenPerAgent      *int `json:"max_open_per_agent,omitempty"`
}

// PutServiceLevels changes a brand's response targets and per-agent cap.
func (c *Client) PutServiceLevels(ctx context.Context, brand string, u ServiceLevelsUpdate) (*ServiceLevels, error) {
	var out struct {
		ServiceLevels ServiceLevels `json:"service_levels"`
	}
	if _, err := c.call(ctx, http.MethodPut, pathf("/api/v1/brands/%s/service-levels", brand), u, &out); err != nil {
		return nil, err
	}
	return &out.ServiceLevels, nil
}

// CreateAgentTeam creates an agent team of the given members' handles.
func (c *Client) CreateAgentTeam(ctx context.Context, brand, name string, members []string) (*AgentTeam, error) {
	var out struct {
		AgentTeam AgentTeam `json:"agent_team"`
	}
	if _, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/agent-teams", brand), map[string]any{"name": name, "members": members}, &out); err != nil {
		return nil, err
	}
	return &out.AgentTeam, nil
}

// MacroParams is a macro to save; nil fields stay when changing one.
type MacroParams struct {
	Title     *string   `json:"title,omitempty"`
	Text      *string   `json:"text,omitempty"`
	AddLabels *[]string `json:"add_labels,omitempty"`
	Status    *string   `json:"status,omitempty"`
	Priority  *string   `json:"priority,omitempty"`
	Assign    *string   `json:"assign,omitempty"`
	Personal  bool      `json:"personal,omitempty"`
}

// CreateMacro saves a macro.
func (c *Client) CreateMacro(ctx context.Context, brand string, p MacroParams) (*Macro, error) {
	var out struct {
		Macro Macro `json:"macro"`
	}
	if _, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/macros", brand), p, &out); err != nil {
		return nil, err
	}
	return &out.Macro, nil
}

// Macros lists the macros the caller may use.
func (c *Client) Macros(ctx context.Context, brand string) ([]Macro, error) {
	var out struct {
		Macros []Macro `json:"macros"`
	}
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/macros", brand), nil, &out)
	return out.Macros, err
}

// ApplyMacro applies a macro to a brand conversation.
func (c *Client) ApplyMacro(ctx context.Context, brand, convID, macroID, clientID string) (*MacroResult, error) {
	var out MacroResult
	if _, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/conversations/%s/macro", brand, convID),
		map[string]string{"macro_id": macroID, "client_id": clientID}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Customer returns the customer panel of one of a brand's customers.
func (c *Client) Customer(ctx context.Context, brand, customer string) (*CustomerPanel, error) {
	var out struct {
		Customer CustomerPanel `json:"customer"`
	}
	if _, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/customers/%s", brand, customer), nil, &out); err != nil {
		return nil, err
	}
	return &out.Customer, nil
}

// AddCustomerNote keeps a private note on a customer.
func (c *Client) AddCustomerNote(ctx context.Context, brand, customer, text string) (*CustomerNote, error) {
	var out struct {
		Note CustomerNote `json:"note"`
	}
	if _, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/customers/%s/notes", brand, customer), map[string]string{"text": text}, &out); err != nil {
		return nil, err
	}
	return &out.Note, nil
}
