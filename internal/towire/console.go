package towire

import (
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/wire"
)

// The brand console's values (internal/brand/console.go) on the wire.

func slaState(s *dm.SLAState) *wire.SLAState {
	if s == nil {
		return nil
	}
	return &wire.SLAState{Kind: s.Kind, TargetSeconds: s.TargetSeconds, RemainingSeconds: s.RemainingSeconds, Breached: s.Breached}
}

// AuditEntry converts one change of a conversation's inbox state (nil stays nil).
func AuditEntry(e *dm.AuditEntry) *wire.AuditEntry {
	if e == nil {
		return nil
	}
	return &wire.AuditEntry{ID: e.ID, ConversationID: e.ConversationID, Actor: profilePtr(e.Actor), Field: e.Field,
		From: e.From, To: e.To, AfterSeq: e.AfterSeq, At: e.At}
}

// AuditEntries converts a conversation's trail ([] for none).
func AuditEntries(es []dm.AuditEntry) []wire.AuditEntry {
	out := make([]wire.AuditEntry, len(es))
	for i := range es {
		out[i] = *AuditEntry(&es[i])
	}
	return out
}

// ServiceLevels converts a brand's targets.
func ServiceLevels(l *dm.ServiceLevels) wire.ServiceLevels {
	w := wire.ServiceLevels{FirstResponseMinutes: l.FirstResponseMinutes, NextResponseMinutes: l.NextResponseMinutes, MaxOpenPerAgent: l.MaxOpenPerAgent}
	if !l.UpdatedAt.IsZero() {
		t := l.UpdatedAt
		w.UpdatedAt = &t
	}
	return w
}

// Macro converts a macro.
func Macro(m *dm.Macro) wire.Macro {
	labels := m.AddLabels
	if labels == nil {
		labels = []string{}
	}
	return wire.Macro{ID: m.ID, Title: m.Title, Text: m.Text, AddLabels: labels, Status: m.Status, Priority: m.Priority,
		Assign: m.Assign, Personal: m.OwnerID != "", CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
}

// Macros converts a list of macros ([] for none).
func Macros(ms []dm.Macro) []wire.Macro {
	out := make([]wire.Macro, len(ms))
	for i := range ms {
		out[i] = Macro(&ms[i])
	}
	return out
}

// CustomerNote converts a note on a customer.
func CustomerNote(n *dm.CustomerNote) wire.CustomerNote {
	return wire.CustomerNote{ID: n.ID, Author: wire.Profile(n.Author), Text: n.Text, CreatedAt: n.CreatedAt}
}

// CustomerNotes converts the notes on a customer ([] for none).
func CustomerNotes(ns []dm.CustomerNote) []wire.CustomerNote {
	out := make([]wire.CustomerNote, len(ns))
	for i := range ns {
		out[i] = CustomerNote(&ns[i])
	}
	return out
}
