package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/parleyhq/parley/wire"
)

// The automation wire types (see the Automation tag of the API document).
type (
	QuickReply         = wire.QuickReply
	BotEntry           = wire.BotEntry
	AutomationSettings = wire.AutomationSettings
	Rule               = wire.Rule
	RuleTrigger        = wire.RuleTrigger
	RuleCondition      = wire.RuleCondition
	RuleAction         = wire.RuleAction
	Flow               = wire.Flow
	FlowStep           = wire.FlowStep
	FlowOption         = wire.FlowOption
	AutomationLogEntry = wire.AutomationLogEntry
)

// DryRun is a sample message to try a brand's rules on; DryRunResult is
// what the bot would do.
type (
	DryRun       = wire.DryRun
	DryRunResult = wire.DryRunResult
)

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
