package wire

import "time"

// The brand console's support-desk types: service levels, agent teams,
// macros, the customer panel and the audit trail.

// SLAState is where a waiting conversation stands against its response
// target, in business seconds.
type SLAState struct {
	Kind             string `json:"kind"`
	TargetSeconds    int64  `json:"target_seconds"`
	RemainingSeconds int64  `json:"remaining_seconds"`
	Breached         bool   `json:"breached"`
}

// AuditEntry is one change of a brand conversation's inbox state, shown
// to the team only. Actor is null for the brand's automation.
type AuditEntry struct {
	ID             string    `json:"id"`
	ConversationID string    `json:"conversation_id"`
	Actor          *Profile  `json:"actor"`
	Field          string    `json:"field"`
	From           string    `json:"from"`
	To             string    `json:"to"`
	AfterSeq       int64     `json:"after_seq"`
	At             time.Time `json:"at"`
}

// ServiceLevels are a brand's response targets and routing cap (0: off).
type ServiceLevels struct {
	FirstResponseMinutes int        `json:"first_response_minutes"`
	NextResponseMinutes  int        `json:"next_response_minutes"`
	MaxOpenPerAgent      int        `json:"max_open_per_agent"`
	UpdatedAt            *time.Time `json:"updated_at"`
}

// AgentTeam is a group of a brand's agents with its own round-robin.
type AgentTeam struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Members []Profile `json:"members"`
}

// Macro is a one-click reply, labels, status, priority and assignment.
type Macro struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Text      string    `json:"text"`
	AddLabels []string  `json:"add_labels"`
	Status    string    `json:"status"`
	Priority  string    `json:"priority"`
	Assign    string    `json:"assign"`
	Personal  bool      `json:"personal"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MacroResult is what applying a macro did: the reply (null without text)
// and the conversation's inbox state after it.
type MacroResult struct {
	Message *TeamMessage `json:"message"`
	Inbox   InboxView    `json:"inbox"`
}

// CustomerNote is a private note of the team on a customer.
type CustomerNote struct {
	ID        string    `json:"id"`
	Author    Profile   `json:"author"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// ThreadSummary is one of a customer's conversations with the brand.
type ThreadSummary struct {
	ID              string     `json:"id"`
	OpenedAt        time.Time  `json:"opened_at"`
	FirstResponseAt *time.Time `json:"first_response_at"`
	ResolvedAt      *time.Time `json:"resolved_at"`
	Assignee        *Profile   `json:"assignee"`
}

// CustomerPanel is what the team knows of one customer.
type CustomerPanel struct {
	Customer       Profile           `json:"customer"`
	ConversationID string            `json:"conversation_id"`
	FollowsBrand   bool              `json:"follows_brand"`
	FirstContact   time.Time         `json:"first_contact"`
	Conversations  []ThreadSummary   `json:"conversations"`
	Attributes     map[string]string `json:"attributes"`
	Labels         []string          `json:"labels"`
	Notes          []CustomerNote    `json:"notes"`
}
