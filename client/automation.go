package client

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// The automation wire types (see the Automation tag of the API document).
type (
	QuickReply         = dm.QuickReply
	AutomationSettings = dm.AutomationSettings
	Rule               = dm.Rule
	RuleTrigger        = dm.Trigger
	RuleCondition      = dm.Condition
	RuleAction         = dm.Action
	Flow               = dm.Flow
	FlowStep           = dm.FlowStep
	FlowOption         = dm.FlowOption
	AutomationLogEntry = dm.AutomationLogEntry
)

// BotEntry is what anyone sees of a brand's bot: ice breakers, the
// persistent menu, and the button that reaches a person.
type BotEntry struct {
	IceBreakers []QuickReply `json:"ice_breakers"`
	Menu        []QuickReply `json:"menu"`
	Handoff     QuickReply   `json:"handoff"`
}

// DryRun is a sample message to try a brand's rules on.
type DryRun struct {
	Text         string     `json:"text"`
	Payload      string     `json:"quick_reply_payload,omitempty"`
	FirstMessage bool       `json:"first_message,omitempty"`
	Customer     string     `json:"customer,omitempty"`
	At           *time.Time `json:"at,omitempty"`
}

// DryRunResult is what the bot would do.
type DryRunResult struct {
	Reply *struct {
		Text         string       `json:"text"`
		QuickReplies []QuickReply `json:"quick_replies"`
		RuleID       string       `json:"rule_id"`
	} `json:"reply"`
	Handoff      bool     `json:"handoff"`
	AddLabels    []string `json:"add_labels"`
	RemoveLabels []string `json:"remove_labels"`
	Assign       string   `json:"assign"`
	Status       string   `json:"status"`
	Priority     string   `json:"priority"`
	Log          []struct {
		RuleID  string `json:"rule_id"`
		Outcome string `json:"outcome"`
		Detail  string `json:"detail"`
	} `json:"log"`
}

// Automation returns a brand's bot settings.
func (c *Client) Automation(ctx context.Context, brand string) (*AutomationSettings, error) {
	var out struct {
		Automation *AutomationSettings `json:"automation"`
	}
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/automation", brand), nil, &out)
	return out.Automation, err
}

// PutAutomation replaces a brand's bot settings.
func (c *Client) PutAutomation(ctx context.Context, brand string, s AutomationSettings) (*AutomationSettings, error) {
	var out struct {
		Automation *AutomationSettings `json:"automation"`
	}
	_, err := c.call(ctx, http.MethodPut, pathf("/api/v1/brands/%s/automation", brand), s, &out)
	return out.Automation, err
}

// Rules lists a brand's rules in evaluation order.
func (c *Client) Rules(ctx context.Context, brand string) ([]Rule, error) {
	var out struct {
		Rules []Rule `json:"rules"`
	}
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/automation/rules", brand), nil, &out)
	return out.Rules, err
}

// PutRule creates (r.ID "") or replaces a rule.
func (c *Client) PutRule(ctx context.Context, brand string, r Rule) (*Rule, error) {
	var out struct {
		Rule *Rule `json:"rule"`
	}
	method, path := http.MethodPost, pathf("/api/v1/brands/%s/automation/rules", brand)
	if r.ID != "" {
		method, path = http.MethodPut, pathf("/api/v1/brands/%s/automation/rules/%s", brand, r.ID)
	}
	_, err := c.call(ctx, method, path, r, &out)
	return out.Rule, err
}

// DeleteRule deletes a rule.
func (c *Client) DeleteRule(ctx context.Context, brand, id string) error {
	_, err := c.call(ctx, http.MethodDelete, pathf("/api/v1/brands/%s/automation/rules/%s", brand, id), nil, nil)
	return err
}

// ReorderRules puts the rules in the order of ids.
func (c *Client) ReorderRules(ctx context.Context, brand string, ids []string) ([]Rule, error) {
	var out struct {
		Rules []Rule `json:"rules"`
	}
	_, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/automation/rules/order", brand), map[string]any{"ids": ids}, &out)
	return out.Rules, err
}

// PutFlow creates (f.ID "") or replaces a flow.
func (c *Client) PutFlow(ctx context.Context, brand string, f Flow) (*Flow, error) {
	var out struct {
		Flow *Flow `json:"flow"`
	}
	method, path := http.MethodPost, pathf("/api/v1/brands/%s/automation/flows", brand)
	if f.ID != "" {
		method, path = http.MethodPut, pathf("/api/v1/brands/%s/automation/flows/%s", brand, f.ID)
	}
	_, err := c.call(ctx, method, path, f, &out)
	return out.Flow, err
}

// DryRunRules tries a brand's rules on a sample message.
func (c *Client) DryRunRules(ctx context.Context, brand string, in DryRun) (*DryRunResult, error) {
	var out DryRunResult
	_, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/automation/dry-run", brand), in, &out)
	return &out, err
}

// AutomationLog pages a brand's bot audit log (conversation "" : all).
func (c *Client) AutomationLog(ctx context.Context, brand, conversation string) ([]AutomationLogEntry, error) {
	var out struct {
		Entries []AutomationLogEntry `json:"entries"`
	}
	q := url.Values{}
	if conversation != "" {
		q.Set("conversation", conversation)
	}
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/automation/log", brand)+"?"+q.Encode(), nil, &out)
	return out.Entries, err
}

// SetCustomerAttributes sets attributes a brand keeps on a customer.
func (c *Client) SetCustomerAttributes(ctx context.Context, brand, customer string, attrs map[string]string) (map[string]string, error) {
	var out struct {
		Attributes map[string]string `json:"attributes"`
	}
	_, err := c.call(ctx, http.MethodPut, pathf("/api/v1/brands/%s/customers/%s/attributes", brand, customer), map[string]any{"attributes": attrs}, &out)
	return out.Attributes, err
}
