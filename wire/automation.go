package wire

import "time"

// The automation endpoints' types (/api/v1/brands/{handle}/automation/...):
// a brand's bot settings, rules, flows and audit log. The server reads the
// settings, rules and flows in these shapes too.

// QuickReply is a button under a message: tapping it sends Title as the
// customer's reply, carrying Payload for the bot.
type QuickReply struct {
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

// BotEntry is what anyone sees of a brand's bot before writing: ice
// breakers, the persistent menu, and the button that reaches a person.
type BotEntry struct {
	IceBreakers []QuickReply `json:"ice_breakers"`
	Menu        []QuickReply `json:"menu"`
	Handoff     QuickReply   `json:"handoff"`
}

// AutomationSettings are a brand's bot-wide settings; Version changes with
// every change to the settings, the rules or the flows.
type AutomationSettings struct {
	Enabled        bool         `json:"enabled"`
	HandoffWords   []string     `json:"handoff_words"`
	HandoffMessage string       `json:"handoff_message"`
	LoopGuard      int          `json:"loop_guard"`
	IceBreakers    []QuickReply `json:"ice_breakers"`
	Menu           []QuickReply `json:"menu"`
	Version        int64        `json:"version"`
	UpdatedAt      time.Time    `json:"updated_at"`
}

// RuleTrigger is what starts a rule.
type RuleTrigger struct {
	Type     string   `json:"type"`
	Keywords []string `json:"keywords,omitempty"`
	Minutes  int      `json:"minutes,omitempty"`
	Payload  string   `json:"payload,omitempty"`
}

// RuleCondition narrows a rule; Not inverts it. Days (0 Sunday .. 6
// Saturday), From and To ("HH:MM") make a time window.
type RuleCondition struct {
	Type  string `json:"type"`
	Not   bool   `json:"not,omitempty"`
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`
	Days  []int  `json:"days,omitempty"`
	From  string `json:"from,omitempty"`
	To    string `json:"to,omitempty"`
}

// RuleAction is one effect of a rule.
type RuleAction struct {
	Type         string       `json:"type"`
	Text         string       `json:"text,omitempty"`
	QuickReplies []QuickReply `json:"quick_replies,omitempty"`
	Value        string       `json:"value,omitempty"`
}

// Rule is one automation rule of a brand, evaluated in Position order.
type Rule struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Enabled    bool            `json:"enabled"`
	Position   int             `json:"position"`
	Trigger    RuleTrigger     `json:"trigger"`
	Conditions []RuleCondition `json:"conditions"`
	Actions    []RuleAction    `json:"actions"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
}

// RuleInput is a rule as a client writes it (POST .../automation/rules,
// PUT .../rules/{id}): Enabled is true when absent, Conditions none. The
// server-set fields of a Rule may be sent back and are ignored.
type RuleInput struct {
	ID         string          `json:"id,omitempty"`
	Name       string          `json:"name"`
	Enabled    *bool           `json:"enabled,omitempty"`
	Position   int             `json:"position,omitempty"`
	Trigger    RuleTrigger     `json:"trigger"`
	Conditions []RuleCondition `json:"conditions,omitempty"`
	Actions    []RuleAction    `json:"actions"`
	CreatedAt  *time.Time      `json:"created_at,omitempty"`
	UpdatedAt  *time.Time      `json:"updated_at,omitempty"`
}

// FlowOption is a button of a flow step: it leads to step Next, hands off
// to a person, or ends the flow.
type FlowOption struct {
	Title   string `json:"title"`
	Next    string `json:"next,omitempty"`
	Handoff bool   `json:"handoff,omitempty"`
}

// FlowStep is one message of a flow.
type FlowStep struct {
	ID      string       `json:"id"`
	Text    string       `json:"text"`
	Options []FlowOption `json:"options"`
}

// Flow is a small decision tree; it starts at its first step.
type Flow struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Steps     []FlowStep `json:"steps"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// FlowStepInput is a flow step as a client writes it: without Options
// (absent or null) it is a step without buttons.
type FlowStepInput struct {
	ID      string       `json:"id"`
	Text    string       `json:"text"`
	Options []FlowOption `json:"options,omitempty"`
}

// FlowInput is a flow as a client writes it (POST .../automation/flows,
// PUT .../flows/{id}). The server-set fields of a Flow may be sent back and
// are ignored.
type FlowInput struct {
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name"`
	Steps     []FlowStepInput `json:"steps"`
	CreatedAt *time.Time      `json:"created_at,omitempty"`
	UpdatedAt *time.Time      `json:"updated_at,omitempty"`
}

// Flow returns the flow f describes (its server-set fields left zero).
func (f *FlowInput) Flow() Flow {
	out := Flow{Name: f.Name, Steps: make([]FlowStep, len(f.Steps))}
	for i, s := range f.Steps {
		out.Steps[i] = FlowStep(s)
	}
	return out
}

// AutomationLogEntry records one decision of the bot.
type AutomationLogEntry struct {
	ID             string    `json:"id"`
	ConversationID string    `json:"conversation_id"`
	RuleID         string    `json:"rule_id,omitempty"`
	Event          string    `json:"event"`
	Outcome        string    `json:"outcome"`
	Detail         string    `json:"detail"`
	At             time.Time `json:"at"`
}

// DryRun is a sample message to try a brand's rules on
// (POST /api/v1/brands/{handle}/automation/dry-run).
type DryRun struct {
	Text string `json:"text"`
	// Payload is that of a quick reply the sample message taps.
	Payload      string     `json:"quick_reply_payload,omitempty"`
	FirstMessage bool       `json:"first_message,omitempty"`
	Customer     string     `json:"customer,omitempty"`
	At           *time.Time `json:"at,omitempty"`
}

// DryRunResult is what the bot would do, without doing it.
type DryRunResult struct {
	Reply        *DryRunReply    `json:"reply"`
	Handoff      bool            `json:"handoff"`
	AddLabels    []string        `json:"add_labels"`
	RemoveLabels []string        `json:"remove_labels"`
	Assign       string          `json:"assign,omitempty"`
	Status       string          `json:"status,omitempty"`
	Priority     string          `json:"priority,omitempty"`
	Log          []DryRunLogLine `json:"log"`
}

// DryRunReply is the message the customer would receive.
type DryRunReply struct {
	Text         string       `json:"text"`
	QuickReplies []QuickReply `json:"quick_replies"`
	RuleID       string       `json:"rule_id,omitempty"`
}

// DryRunLogLine is one step of the bot's reasoning.
type DryRunLogLine struct {
	RuleID  string `json:"rule_id,omitempty"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail"`
}
