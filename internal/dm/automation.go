package dm

import (
	"context"
	"slices"
	"time"
)

// This file holds the automation layer's types: a brand's rules (trigger,
// conditions, actions), flows (small decision trees of messages with
// quick-reply buttons), ice breakers and a persistent menu, the bot's state
// in each conversation, and the audit trail of what fired and why. The rules
// live in internal/automation; AutomationTx is what a store keeps for it.

// Limits of quick replies and menus (the common platform limits).
const (
	MaxQuickReplies     = 13
	MaxQuickReplyTitle  = 20 // runes
	MaxPayloadBytes     = 1000
	MaxIceBreakers      = 4
	MaxIceBreakerTitle  = 80 // runes
	MaxMenuItems        = 5
	MaxMenuTitle        = 30 // runes
	MaxRulesPerBrand    = 500
	MaxFlowsPerBrand    = 100
	MaxFlowSteps        = 50
	MaxKeywordsPerRule  = 50
	MaxConditionsOrActs = 20
)

// QuickReply is a button under a message: tapping it sends Title as the
// customer's reply, carrying Payload for the bot.
type QuickReply struct {
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

// OptInPayload is the payload of the button that opts a person in to a
// brand's messages (an explicit opt-in: promotional messages may then go to
// someone who does not follow the brand). OptInTitle is the only title such
// a button shows: the brand words its other buttons, but not the one that
// opts people in, or a "No thanks" carrying this payload would opt in
// whoever tapped it.
const (
	OptInPayload = "parley:opt_in"
	OptInTitle   = "Yes, send me offers"
)

// HonestQuickReplies returns qrs with every opt-in button titled
// OptInTitle (a copy when one changes; qrs itself otherwise).
func HonestQuickReplies(qrs []QuickReply) []QuickReply {
	out, copied := qrs, false
	for i, q := range qrs {
		if q.Payload == OptInPayload && q.Title != OptInTitle {
			if !copied {
				out, copied = slices.Clone(qrs), true
			}
			out[i].Title = OptInTitle
		}
	}
	return out
}

// Rule triggers.
const (
	TriggerMessage      = "message"       // any customer message
	TriggerFirstMessage = "first_message" // the customer's first message to the brand ever
	TriggerKeyword      = "keyword"       // a word or phrase of Keywords in the text
	TriggerOutsideHours = "outside_hours" // a customer message outside business hours
	TriggerNoReply      = "no_reply"      // no reply by a person within Minutes of a customer message
	TriggerQuickReply   = "quick_reply"   // a quick reply, ice breaker or menu entry with Payload
	TriggerResolved     = "resolved"      // the conversation was resolved
)

// Rule conditions.
const (
	CondFollows    = "follows"     // the customer follows the brand
	CondLabel      = "label"       // the conversation has Value as a label
	CondAttribute  = "attribute"   // the customer's attribute Key equals Value ("" : is set)
	CondUnassigned = "unassigned"  // nobody is assigned
	CondStatus     = "status"      // the inbox status is Value
	CondTimeWindow = "time_window" // the time, in the brand's time zone, is in [From, To) on Days
)

// Rule actions.
const (
	ActReply       = "reply"        // send Text (a template), with QuickReplies if any
	ActAddLabel    = "add_label"    // Value
	ActRemoveLabel = "remove_label" // Value
	ActAssign      = "assign"       // to the agent with handle Value, or "round_robin"
	ActSetStatus   = "set_status"   // Value: open, pending or resolved
	ActSetPriority = "set_priority" // Value
	ActHandoff     = "handoff"      // hand off to a person: assign, tell the team, bot quiet
	ActStartFlow   = "start_flow"   // send the first step of flow Value
	ActRecommend   = "recommend"    // send the customer's top product pick as a card, with Text (a template) if any
	ActSendSurvey  = "send_survey"  // ask survey Value (resolved trigger only)
)

// Trigger is what starts a rule.
type Trigger struct {
	Type     string   `json:"type"`
	Keywords []string `json:"keywords,omitempty"`
	Minutes  int      `json:"minutes,omitempty"`
	Payload  string   `json:"payload,omitempty"`
}

// Condition narrows a rule. Not inverts it.
type Condition struct {
	Type  string `json:"type"`
	Not   bool   `json:"not,omitempty"`
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`
	// Days (0 Sunday .. 6 Saturday; empty: every day), From and To
	// ("HH:MM") make a time window.
	Days []int  `json:"days,omitempty"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// Action is one effect of a rule.
type Action struct {
	Type         string       `json:"type"`
	Text         string       `json:"text,omitempty"`
	QuickReplies []QuickReply `json:"quick_replies,omitempty"`
	Value        string       `json:"value,omitempty"`
}

// Rule is one automation rule of a brand. Rules are evaluated in Position
// order; every matching rule's actions apply, but only the first matching
// rule that sends a message sends it, so a customer gets one answer.
type Rule struct {
	ID         string      `json:"id"`
	BrandID    string      `json:"-"`
	Name       string      `json:"name"`
	Enabled    bool        `json:"enabled"`
	Position   int         `json:"position"`
	Trigger    Trigger     `json:"trigger"`
	Conditions []Condition `json:"conditions"`
	Actions    []Action    `json:"actions"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
}

// FlowStep is one message of a flow. Each of its options is a quick reply
// that leads to another step (Next), hands off to a person (Handoff), or
// ends the flow.
type FlowStep struct {
	ID      string       `json:"id"`
	Text    string       `json:"text"`
	Options []FlowOption `json:"options"`
}

// FlowOption is a button of a flow step.
type FlowOption struct {
	Title   string `json:"title"`
	Next    string `json:"next,omitempty"`
	Handoff bool   `json:"handoff,omitempty"`
}

// Flow is a small decision tree; it starts at its first step.
type Flow struct {
	ID        string     `json:"id"`
	BrandID   string     `json:"-"`
	Name      string     `json:"name"`
	Steps     []FlowStep `json:"steps"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// AutomationSettings are a brand's bot-wide settings. Version changes with
// every change to the settings, the rules or the flows, so a node can keep
// a compiled copy and know when it is stale.
type AutomationSettings struct {
	BrandID string `json:"-"`
	Enabled bool   `json:"enabled"`
	// HandoffWords hand the conversation to a person when the customer
	// writes one of them (default human, agent, person).
	HandoffWords   []string     `json:"handoff_words"`
	HandoffMessage string       `json:"handoff_message"`
	LoopGuard      int          `json:"loop_guard"`
	IceBreakers    []QuickReply `json:"ice_breakers"`
	Menu           []QuickReply `json:"menu"`
	Version        int64        `json:"version"`
	UpdatedAt      time.Time    `json:"updated_at"`
}

// BotState is the bot's state in one brand conversation.
type BotState struct {
	ConversationID string
	BrandID        string
	// Silent: a person of the team wrote or took over; the bot sends
	// nothing until the conversation is resolved.
	Silent    bool
	HandedOff bool
	// Streak counts bot messages since the customer last wrote (the loop guard).
	Streak int
	// FlowID and FlowStep are the flow the customer is in, if any.
	FlowID    string
	FlowStep  string
	UpdatedAt time.Time
}

// AutomationLogEntry records one decision of the engine.
type AutomationLogEntry struct {
	ID             string    `json:"id"`
	BrandID        string    `json:"-"`
	ConversationID string    `json:"conversation_id"`
	RuleID         string    `json:"rule_id,omitempty"`
	Event          string    `json:"event"`
	Outcome        string    `json:"outcome"` // fired, skipped, handoff, ...
	Detail         string    `json:"detail"`
	At             time.Time `json:"at"`
}

// AutomationTx is what a store keeps for the automation layer.
type AutomationTx interface {
	AutomationSettings(ctx context.Context, brandID string) (*AutomationSettings, error) // ENOTFOUND if never saved
	// AutomationVersion is the saved settings' Version alone (ENOTFOUND if
	// never saved): the send path checks its compiled rules against it
	// without decoding the settings.
	AutomationVersion(ctx context.Context, brandID string) (int64, error)
	PutAutomationSettings(ctx context.Context, s *AutomationSettings) error
	// Rules returns a brand's rules in Position order.
	Rules(ctx context.Context, brandID string) ([]Rule, error)
	PutRule(ctx context.Context, r *Rule) error
	DeleteRule(ctx context.Context, brandID, id string) error // ENOTFOUND if none
	Flows(ctx context.Context, brandID string) ([]Flow, error)
	PutFlow(ctx context.Context, f *Flow) error
	DeleteFlow(ctx context.Context, brandID, id string) error               // ENOTFOUND if none
	BotState(ctx context.Context, conversationID string) (*BotState, error) // ENOTFOUND if none
	PutBotState(ctx context.Context, s *BotState) error
	// CustomerAttributes returns a customer's attributes as the brand keeps them.
	CustomerAttributes(ctx context.Context, brandID, customerID string) (map[string]string, error)
	// SetCustomerAttribute sets (value != "") or removes an attribute.
	SetCustomerAttribute(ctx context.Context, brandID, customerID, key, value string) error
	// PutQuickReplies keeps the quick replies of a bot message;
	// QuickReplies returns those of the given messages, by message id.
	PutQuickReplies(ctx context.Context, messageID string, qrs []QuickReply) error
	QuickReplies(ctx context.Context, messageIDs []string) (map[string][]QuickReply, error)
	AddAutomationLog(ctx context.Context, e *AutomationLogEntry) error
	// CountAutomationLog counts a brand's log entries with an outcome in [from, to).
	CountAutomationLog(ctx context.Context, brandID, outcome string, from, to time.Time) (int, error)
	// AutomationLog pages a brand's log newest first (conversationID "" : all).
	AutomationLog(ctx context.Context, brandID, conversationID string, before time.Time, limit int) ([]AutomationLogEntry, error)
}
