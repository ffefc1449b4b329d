package api

import (
	"github.com/parleyhq/parley/internal/automation"
	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/dm"
)

// Fixtures of the automation layer's answers, for TestWireGolden.

func fxMessageQR() dm.Message {
	m := fxMessage()
	m.QuickReplies = []dm.QuickReply{{Title: "Track <it>", Payload: "TRACK"}, {Title: "Person", Payload: ""}}
	return m
}

func fxBotEntry() *brand.BotEntry {
	return &brand.BotEntry{IceBreakers: []dm.QuickReply{{Title: "Where is my order?", Payload: "ORDER"}}, Menu: []dm.QuickReply{},
		Handoff: dm.QuickReply{Title: "Talk to a person", Payload: "HANDOFF"}}
}

func fxReportBot() *brand.Report {
	r := fxReport()
	r.Bot = dm.BotAnalytics{AnsweredByBot: 2, HandedOff: 1, ResolvedWithoutHuman: 1}
	return r
}

func fxAutomation() *dm.AutomationSettings {
	return &dm.AutomationSettings{BrandID: "secret-brand-id", Enabled: true, HandoffWords: []string{"human", "agent"}, HandoffMessage: "One moment",
		LoopGuard: 3, IceBreakers: []dm.QuickReply{{Title: "Hi", Payload: "HI"}}, Menu: []dm.QuickReply{}, Version: 12, UpdatedAt: fxT1}
}

func fxAutomationBare() *dm.AutomationSettings {
	return &dm.AutomationSettings{BrandID: "secret-brand-id"}
}

func fxRules() []dm.Rule {
	return []dm.Rule{
		{ID: "r1", BrandID: "secret-brand-id", Name: "Refunds", Enabled: true, Position: 1,
			Trigger:    dm.Trigger{Type: dm.TriggerMessage, Keywords: []string{"refund", "money back"}, Minutes: 5, Payload: "P"},
			Conditions: []dm.Condition{{Type: "time", Not: true, Key: "k", Value: "v", Days: []int{1, 2}, From: "09:00", To: "17:00"}, {Type: "first"}},
			Actions: []dm.Action{{Type: dm.ActReply, Text: "Hi {{first_name|there}}", QuickReplies: []dm.QuickReply{{Title: "Track", Payload: "TRACK"}}},
				{Type: "add_label", Value: "refund"}},
			CreatedAt: fxT0, UpdatedAt: fxT1},
		{ID: "r2", Name: "Bare", Trigger: dm.Trigger{Type: dm.TriggerFirstMessage}, Conditions: []dm.Condition{}, Actions: []dm.Action{}, CreatedAt: fxT0, UpdatedAt: fxT0},
		{ID: "r3", Name: "Nil", CreatedAt: fxT0, UpdatedAt: fxT0},
	}
}

func fxFlows() []dm.Flow {
	return []dm.Flow{
		{ID: "f1", BrandID: "secret-brand-id", Name: "Orders", Steps: []dm.FlowStep{
			{ID: "s1", Text: "What about your order?", Options: []dm.FlowOption{{Title: "Late", Next: "s2"}, {Title: "Person", Handoff: true}}},
			{ID: "s2", Text: "Sorry!", Options: []dm.FlowOption{}},
			{ID: "s3", Text: "Nil"}}, CreatedAt: fxT0, UpdatedAt: fxT1},
		{ID: "f2", Name: "Nil", CreatedAt: fxT0, UpdatedAt: fxT0},
	}
}

func fxLog() []dm.AutomationLogEntry {
	return []dm.AutomationLogEntry{
		{ID: "l1", BrandID: "secret-brand-id", ConversationID: "c1", RuleID: "r1", Event: "message", Outcome: "fired", Detail: "reply sent", At: fxT1},
		{ID: "l2", ConversationID: "c1", Event: "message", Outcome: "skipped", At: fxT2},
	}
}

func fxDryRuns() []*brand.DryRunResult {
	return []*brand.DryRunResult{
		{Reply: &brand.DryRunReply{Text: "Hi", QuickReplies: []dm.QuickReply{{Title: "A", Payload: "a"}}, RuleID: "r1"}, Handoff: true,
			AddLabels: []string{"x"}, RemoveLabels: []string{}, Assign: "bob", Status: dm.InboxPending, Priority: dm.PriorityHigh,
			Log: []automation.LogLine{{RuleID: "r1", Outcome: "fired", Detail: "d"}, {Outcome: "silent"}}},
		{Reply: &brand.DryRunReply{Text: "Hi"}, AddLabels: []string{}, RemoveLabels: []string{}, Log: []automation.LogLine{}},
		{},
	}
}
