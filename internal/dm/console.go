package dm

import (
	"context"
	"time"
)

// This file holds the types of the brand console's support-desk features:
// service-level targets, routing (a cap per agent, agent teams with their
// own round-robin), macros, notes kept on a customer, and the audit trail
// of a conversation. The rules live in internal/brand (console.go);
// ConsoleTx is what a store keeps for them.

// EventInboxMention goes to one team member's log only: a teammate
// mentioned them (@handle) in a private note (Note, Inbox, Actor).
const EventInboxMention = "inbox.mention"

// EventInboxAudit tells the team of one change of a conversation's inbox
// state (Audit). Like every inbox.* event it never reaches the customer.
const EventInboxAudit = "inbox.audit"

// ServiceLevels are a brand's response targets and routing limits. Zero
// turns a target or the cap off.
type ServiceLevels struct {
	BrandID string
	// FirstResponseMinutes is the target for the first answer of a thread;
	// NextResponseMinutes for every later answer while a customer waits.
	// Both count business hours only (BrandSettings.Hours).
	FirstResponseMinutes int
	NextResponseMinutes  int
	// MaxOpenPerAgent caps the unresolved conversations automatic
	// assignment gives one agent.
	MaxOpenPerAgent int
	UpdatedAt       time.Time
}

// AgentTeam is a group of a brand's agents (billing, shipping) with its
// own round-robin.
type AgentTeam struct {
	ID      string
	BrandID string
	Name    string
	// Members are user ids, in the order they were added.
	Members        []string
	RoundRobinLast string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Macro is one click of the console: a reply (a template, optional), then
// labels, status, priority and assignment, applied in one transaction.
type Macro struct {
	ID      string
	BrandID string
	// OwnerID is the agent who keeps it for themself; "" is shared with
	// the whole team (saved by an owner or admin).
	OwnerID   string
	Title     string
	Text      string
	AddLabels []string
	Status    string // "" leaves it
	Priority  string // "" leaves it
	// Assign is a team member's handle, "team:<name>" (that team's
	// round-robin), "me", or "" to leave it.
	Assign    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CustomerNote is a private note of the team on a customer: it stays with
// the customer across conversations and threads.
type CustomerNote struct {
	ID         string
	BrandID    string
	CustomerID string
	Author     Profile
	Text       string
	CreatedAt  time.Time
}

// Audit fields: what an audit entry records a change of.
const (
	AuditStatus   = "status"
	AuditAssignee = "assignee"
	AuditLabels   = "labels"
	AuditPriority = "priority"
)

// AuditEntry is one change of a conversation's inbox state: who (ActorID,
// "" for the brand's automation) changed Field from From to To.
type AuditEntry struct {
	ID             string `json:"id"`
	BrandID        string `json:"-"`
	ConversationID string `json:"conversation_id"`
	ActorID        string `json:"-"`
	// Actor is filled by the brand layer when it reads entries back.
	Actor *Profile `json:"actor"`
	Field string   `json:"field"`
	From  string   `json:"from"`
	To    string   `json:"to"`
	// AfterSeq is the seq of the conversation's newest message when the
	// change was made (set by the store): its place in the thread.
	AfterSeq int64     `json:"after_seq"`
	At       time.Time `json:"at"`
}

// ConsoleTx is the part of a transaction that keeps the console's tables.
type ConsoleTx interface {
	// ServiceLevels returns a brand's targets (ENOTFOUND if never saved).
	ServiceLevels(ctx context.Context, brandID string) (*ServiceLevels, error)
	PutServiceLevels(ctx context.Context, s *ServiceLevels) error
	// OpenAssigned counts the brand's unresolved conversations assigned to userID.
	OpenAssigned(ctx context.Context, brandID, userID string) (int, error)

	// PutAgentTeam inserts or replaces a team (ECONFLICT: name taken).
	PutAgentTeam(ctx context.Context, t *AgentTeam) error
	// AgentTeams lists a brand's teams by name.
	AgentTeams(ctx context.Context, brandID string) ([]AgentTeam, error)
	DeleteAgentTeam(ctx context.Context, brandID, id string) error

	// PutMacro inserts or replaces a macro (ECONFLICT: the owner already
	// has one of that title).
	PutMacro(ctx context.Context, m *Macro) error
	// Macros lists all of a brand's macros by title.
	Macros(ctx context.Context, brandID string) ([]Macro, error)
	DeleteMacro(ctx context.Context, brandID, id string) error

	AddCustomerNote(ctx context.Context, n *CustomerNote) error
	// CustomerNotes lists the notes on a customer, oldest first.
	CustomerNotes(ctx context.Context, brandID, customerID string) ([]CustomerNote, error)

	// AddAuditEntry records a change; the store sets AfterSeq.
	AddAuditEntry(ctx context.Context, e *AuditEntry) error
	// AuditEntries lists a conversation's entries in thread order.
	AuditEntries(ctx context.Context, brandID, conversationID string) ([]AuditEntry, error)
	// ConversationThreads lists a conversation's threads, oldest first.
	ConversationThreads(ctx context.Context, conversationID string) ([]Thread, error)
}
