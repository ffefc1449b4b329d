package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

var automationTests = []test{
	{"Automation", testAutomation},
}

func testAutomation(t *testing.T, s dm.Store) {
	ctx := context.Background()
	acme := newAccount(t, s, "acme")
	dan := newAccount(t, s, "dan")

	view(t, s, func(tx dm.Tx) error {
		_, err := tx.AutomationSettings(ctx, acme.ID)
		wantCode(t, "settings never saved", err, dm.ENOTFOUND)
		_, err = tx.AutomationVersion(ctx, acme.ID)
		wantCode(t, "version of settings never saved", err, dm.ENOTFOUND)
		_, err = tx.BotState(ctx, "no-such-conversation")
		wantCode(t, "bot state of an unknown conversation", err, dm.ENOTFOUND)
		return nil
	})
	set := &dm.AutomationSettings{BrandID: acme.ID, Enabled: true, HandoffWords: []string{"human"}, LoopGuard: 3,
		IceBreakers: []dm.QuickReply{{Title: "Where is my order?", Payload: "ORDER"}}, Menu: []dm.QuickReply{}, Version: 7, UpdatedAt: at(1)}
	update(t, s, func(tx dm.Tx) error { return tx.PutAutomationSettings(ctx, set) })
	set.Version = 8
	update(t, s, func(tx dm.Tx) error { return tx.PutAutomationSettings(ctx, set) })
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.AutomationSettings(ctx, acme.ID)
		if err != nil {
			return err
		}
		wantUTC(t, "settings updated_at", got.UpdatedAt, at(1))
		got.UpdatedAt = set.UpdatedAt
		if !reflect.DeepEqual(got, set) {
			t.Errorf("settings = %+v, want %+v", got, set)
		}
		if v, err := tx.AutomationVersion(ctx, acme.ID); err != nil || v != 8 {
			t.Errorf("AutomationVersion = %d, %v; want 8", v, err)
		}
		return nil
	})

	// Rules come back in position order; a put replaces; a delete of a
	// missing rule is ENOTFOUND.
	r1 := &dm.Rule{ID: "r1", BrandID: acme.ID, Name: "hi", Enabled: true, Position: 2,
		Trigger: dm.Trigger{Type: dm.TriggerKeyword, Keywords: []string{"hello"}}, Conditions: []dm.Condition{},
		Actions: []dm.Action{{Type: dm.ActReply, Text: "Hi {{first_name|there}}"}}, CreatedAt: at(0), UpdatedAt: at(0)}
	r2 := &dm.Rule{ID: "r2", BrandID: acme.ID, Name: "first", Position: 1, Trigger: dm.Trigger{Type: dm.TriggerMessage},
		Conditions: []dm.Condition{{Type: dm.CondFollows}}, Actions: []dm.Action{}, CreatedAt: at(0), UpdatedAt: at(0)}
	update(t, s, func(tx dm.Tx) error {
		if err := tx.PutRule(ctx, r1); err != nil {
			return err
		}
		return tx.PutRule(ctx, r2)
	})
	r1.Name = "hello rule"
	update(t, s, func(tx dm.Tx) error { return tx.PutRule(ctx, r1) })
	view(t, s, func(tx dm.Tx) error {
		rs, err := tx.Rules(ctx, acme.ID)
		if err != nil {
			return err
		}
		if len(rs) != 2 || rs[0].ID != "r2" || rs[1].ID != "r1" || rs[1].Name != "hello rule" || rs[1].Trigger.Keywords[0] != "hello" {
			t.Errorf("rules = %+v", rs)
		}
		if others, _ := tx.Rules(ctx, dan.ID); len(others) != 0 {
			t.Errorf("another brand's rules: %+v", others)
		}
		return nil
	})
	update(t, s, func(tx dm.Tx) error {
		if err := tx.DeleteRule(ctx, acme.ID, "r2"); err != nil {
			return err
		}
		wantCode(t, "delete a deleted rule", tx.DeleteRule(ctx, acme.ID, "r2"), dm.ENOTFOUND)
		wantCode(t, "delete another brand's rule", tx.DeleteRule(ctx, dan.ID, "r1"), dm.ENOTFOUND)
		return nil
	})

	f := &dm.Flow{ID: "f1", BrandID: acme.ID, Name: "faq", Steps: []dm.FlowStep{{ID: "s1", Text: "What do you need?",
		Options: []dm.FlowOption{{Title: "Returns", Next: "s2"}, {Title: "A person", Handoff: true}}}, {ID: "s2", Text: "30 days.", Options: []dm.FlowOption{}}}}
	update(t, s, func(tx dm.Tx) error { return tx.PutFlow(ctx, f) })
	view(t, s, func(tx dm.Tx) error {
		fs, err := tx.Flows(ctx, acme.ID)
		if err == nil && (len(fs) != 1 || len(fs[0].Steps) != 2 || !fs[0].Steps[0].Options[1].Handoff) {
			t.Errorf("flows = %+v", fs)
		}
		return err
	})
	update(t, s, func(tx dm.Tx) error {
		if err := tx.DeleteFlow(ctx, acme.ID, "f1"); err != nil {
			return err
		}
		wantCode(t, "delete a deleted flow", tx.DeleteFlow(ctx, acme.ID, "f1"), dm.ENOTFOUND)
		return nil
	})

	st := &dm.BotState{ConversationID: "c1", BrandID: acme.ID, Silent: true, Streak: 2, FlowID: "f1", FlowStep: "s2", UpdatedAt: at(3)}
	update(t, s, func(tx dm.Tx) error { return tx.PutBotState(ctx, st) })
	st.HandedOff, st.Streak = true, 0
	update(t, s, func(tx dm.Tx) error { return tx.PutBotState(ctx, st) })
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.BotState(ctx, "c1")
		if err == nil && !reflect.DeepEqual(got, st) {
			t.Errorf("bot state = %+v, want %+v", got, st)
		}
		return err
	})

	update(t, s, func(tx dm.Tx) error {
		for _, kv := range [][2]string{{"plan", "gold"}, {"city", "Lyon"}, {"plan", "silver"}, {"city", ""}} {
			if err := tx.SetCustomerAttribute(ctx, acme.ID, dan.ID, kv[0], kv[1]); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(tx dm.Tx) error {
		attrs, err := tx.CustomerAttributes(ctx, acme.ID, dan.ID)
		if err == nil && !reflect.DeepEqual(attrs, map[string]string{"plan": "silver"}) {
			t.Errorf("attributes = %v", attrs)
		}
		return err
	})

	qrs := []dm.QuickReply{{Title: "Yes", Payload: "Y"}, {Title: "Non, merci", Payload: "N"}}
	update(t, s, func(tx dm.Tx) error { return tx.PutQuickReplies(ctx, "m1", qrs) })
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.QuickReplies(ctx, []string{"m1", "m2"})
		if err == nil && (len(got) != 1 || !reflect.DeepEqual(got["m1"], qrs)) {
			t.Errorf("quick replies = %v", got)
		}
		return err
	})

	for i, c := range []string{"c1", "c2", "c1"} {
		e := &dm.AutomationLogEntry{BrandID: acme.ID, ConversationID: c, RuleID: "r1", Event: "message", Outcome: "fired", Detail: "matched", At: at(10 + i)}
		update(t, s, func(tx dm.Tx) error { return tx.AddAutomationLog(ctx, e) })
	}
	view(t, s, func(tx dm.Tx) error {
		all, err := tx.AutomationLog(ctx, acme.ID, "", at(100), 10)
		if err != nil {
			return err
		}
		one, err := tx.AutomationLog(ctx, acme.ID, "c1", at(12), 10)
		n, err := tx.CountAutomationLog(ctx, acme.ID, "fired", at(10), at(12))
		if err != nil || n != 2 {
			t.Errorf("CountAutomationLog = %d, %v; want 2 in [at(10), at(12))", n, err)
		}
		if len(all) != 3 || all[0].ConversationID != "c1" || !all[0].At.Equal(at(12)) || len(one) != 1 || !one[0].At.Equal(at(10)) {
			t.Errorf("log: all %+v, c1 before at(12) %+v", all, one)
		}
		return err
	})
}
