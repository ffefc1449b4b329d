package main

import (
	"context"
	"fmt"
	"time"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
)

const demoPassword = "parley-demo"

// seedDemo fills an empty database with people who already talk, so that a
// newcomer sees a living product. On a database that has them it does nothing.
func seedDemo(ctx context.Context, ids *identity.Service, c *chat.Service, b *brand.Service) error {
	people := []identity.SignupParams{
		{Handle: "alice", DisplayName: "Alice Martin"},
		{Handle: "bob", DisplayName: "Bob Okafor"},
		{Handle: "carol", DisplayName: "Carol Nguyen"},
		{Handle: "dan", DisplayName: "Dan Rossi"},
		{Handle: "acme", DisplayName: "Acme Outdoor", Kind: dm.KindBrand},
		// Creators in acme's pipeline (seedCreators).
		{Handle: "maya_trails", DisplayName: "Maya Chen"},
		{Handle: "leo_climbs", DisplayName: "Leo Brandt"},
		{Handle: "nina_bikes", DisplayName: "Nina Park"},
		{Handle: "sam_outdoors", DisplayName: "Sam Ortiz"},
	}
	acc := map[string]*dm.Account{}
	for _, p := range people {
		p.Password = demoPassword
		a, err := ids.Signup(ctx, p)
		if dm.IsCode(err, dm.ECONFLICT) {
			return nil // seeded on an earlier run
		}
		if err != nil {
			return err
		}
		acc[p.Handle] = a
	}
	bios := map[string]string{
		"alice": "Trail runner, coffee snob, weekend photographer.",
		"bob":   "Builds bikes. Breaks bikes. Repeat.",
		"carol": "Product designer. Plants > people (mostly).",
		"dan":   "New here. Say hi!",
		"acme":  "Gear for the outdoors. We answer DMs 9-18 CET.",

		"maya_trails":  "Trail running films every Sunday. 48k followers.",
		"leo_climbs":   "Climbing, bouldering, bad puns.",
		"nina_bikes":   "Bikepacking across Europe, one bag at a time.",
		"sam_outdoors": "Camping gear reviews, honest ones.",
	}
	for h, bio := range bios {
		b := bio
		if _, _, err := ids.UpdateMe(ctx, acc[h], identity.MeUpdate{Bio: &b}); err != nil {
			return err
		}
	}
	follows := [][2]string{
		{"alice", "bob"}, {"bob", "alice"}, {"alice", "carol"}, {"carol", "alice"},
		{"bob", "carol"}, {"carol", "bob"}, {"alice", "acme"}, {"carol", "acme"}, {"dan", "acme"},
	}
	for _, f := range follows {
		if err := c.Follow(ctx, acc[f[0]], f[1], true); err != nil {
			return err
		}
	}
	type line struct{ from, text string }
	talk := func(from string, members []string, title string, lines []line) (*dm.Conversation, []*dm.Message, error) {
		conv, _, err := c.CreateConversation(ctx, acc[from], members, title)
		if err != nil {
			return nil, nil, err
		}
		var msgs []*dm.Message
		for _, l := range lines {
			m, _, err := c.Send(ctx, acc[l.from], conv.ID, chat.SendParams{Text: l.text})
			if err != nil {
				return nil, nil, err
			}
			msgs = append(msgs, m)
		}
		return conv, msgs, nil
	}
	conv, msgs, err := talk("alice", []string{"bob"}, "", []line{
		{"alice", "Hey Bob! Are we still on for Saturday?"},
		{"bob", "Yes! 8am at the trailhead?"},
		{"alice", "Perfect. I'll bring coffee ☕"},
		{"bob", "You're the best. Carol might join too."},
	})
	if err != nil {
		return err
	}
	if err := c.React(ctx, acc["alice"], msgs[3].ID, "🙌", true); err != nil {
		return err
	}
	if err := c.MarkRead(ctx, acc["alice"], conv.ID, ""); err != nil {
		return err
	}
	if _, _, err := talk("carol", []string{"alice", "bob"}, "Weekend hike 🥾", []line{
		{"carol", "Made a group so we can plan Saturday."},
		{"alice", "Great idea. Weather looks good!"},
		{"bob", "I'll check the bikes are ready for after."},
	}); err != nil {
		return err
	}
	// Dan is a stranger to Alice: his message waits in her Requests.
	if _, _, err := talk("dan", []string{"alice"}, "", []line{
		{"dan", "Hi Alice, I loved your trail photos! Where was the one by the lake?"},
	}); err != nil {
		return err
	}
	// Customers write to the brand.
	if _, _, err := talk("carol", []string{"acme"}, "", []line{
		{"carol", "Hi Acme, my order #4411 hasn't shipped yet. Any news?"},
	}); err != nil {
		return err
	}
	danAcme, _, err := talk("dan", []string{"acme"}, "", []line{
		{"dan", "Do you have the Ridge 45 backpack in green?"},
	})
	if err != nil {
		return err
	}
	return seedBrand(ctx, b, acc, danAcme.ID)
}

// seedBrand gives the acme brand a team (bob and carol), canned replies and
// business hours, and has bob answer dan from the console with a canned
// reply and a private note, so that the inbox and analytics have something
// to show.
func seedBrand(ctx context.Context, b *brand.Service, acc map[string]*dm.Account, danConv string) error {
	acme := acc["acme"]
	if _, err := b.AddMember(ctx, acme, "acme", "bob", dm.TeamAgent); err != nil {
		return err
	}
	if _, err := b.AddMember(ctx, acme, "acme", "carol", dm.TeamAdmin); err != nil {
		return err
	}
	replies := []struct{ title, text string }{
		{"Greeting", "Hi {{first_name|there}}, thanks for reaching out to {{brand_name}}! {{agent_first_name}} here, how can I help?"},
		{"Order status", "Hi {{first_name|there}}, I'm checking your order right now and will get back to you within the hour."},
		{"Stock check", "Good news {{first_name|there}}: it's in stock and ships within 2 business days."},
	}
	var greeting *dm.CannedReply
	for _, r := range replies {
		title, text := r.title, r.text
		cr, err := b.PutCannedReply(ctx, acme, "acme", "", brand.CannedUpdate{Title: &title, Text: &text})
		if err != nil {
			return err
		}
		if greeting == nil {
			greeting = cr
		}
	}
	// Monday to Friday, 09:00-18:00 in Paris, as the bio says.
	var hours []dm.OpenSpan
	for d := 1; d <= 5; d++ {
		hours = append(hours, dm.OpenSpan{Day: d, Open: 9 * 60, Close: 18 * 60})
	}
	if _, err := b.PutSettings(ctx, acme, "acme", dm.BrandSettings{
		TimeZone: "Europe/Paris", HoursEnabled: true, Hours: hours, ShowAgentName: true, AutoAssign: true,
		AwayMessage: "Thanks for your message! Our team answers Monday to Friday, 9:00-18:00 (Paris time). We'll be back soon.",
	}); err != nil {
		return err
	}
	if _, _, err := b.Send(ctx, acc["bob"], "acme", danConv, brand.Reply{CannedReplyID: greeting.ID}); err != nil {
		return err
	}
	if _, err := b.AddNote(ctx, acc["bob"], "acme", danConv, "Ridge 45 in green is back on Friday; offer the pre-order link. @carol can you confirm?"); err != nil {
		return err
	}
	if err := seedDesk(ctx, b, acme); err != nil {
		return err
	}
	return seedCreators(ctx, b, acme, time.Now())
}

// seedCreators fills acme's creator pipeline (docs/creators.md) across its
// stages: a prospect, a creator contacted by an outreach DM (in their
// Requests, with a follow-up queued), one negotiating, one agreed whose
// deliverables are due soon and overdue (flagged on the board; the team is
// told by the due-date jobs), and one whose content is live. Dates are
// relative to now, in the brand's time zone.
func seedCreators(ctx context.Context, b *brand.Service, acme *dm.Account, now time.Time) error {
	if loc, err := time.LoadLocation("Europe/Paris"); err == nil {
		now = now.In(loc)
	}
	day := func(days int) string { return now.AddDate(0, 0, days).Format(time.DateOnly) }
	str := func(s string) *string { return &s }
	fee := func(v int64) *int64 { return &v }
	deals := []brand.CreatorInput{
		{Handle: "sam_outdoors", Stage: str(dm.StageProspect), Notes: str("Met at the Lyon outdoor fair. Reviews tents; 12k subscribers.")},
		{Handle: "nina_bikes", Stage: str(dm.StageNegotiating), Notes: str("Wants the Ridge 45 for a three-week bikepacking trip. Asked for 900, we offered 800."),
			FeeMinor: fee(80000), FeeCurrency: str("EUR"), DueDate: str(day(30)),
			Deliverables: &[]dm.Deliverable{{Title: "Trip video with the Ridge 45", DueDate: day(21)}}},
		{Handle: "maya_trails", Stage: str(dm.StageAgreed), Notes: str("Sunday film features the Ridge 45; promo code in the description."),
			FeeMinor: fee(150000), FeeCurrency: str("EUR"), DueDate: str(day(7)),
			Deliverables: &[]dm.Deliverable{
				{Title: "Unboxing post", DueDate: day(-5), Done: true},
				{Title: "Story with the promo code", DueDate: day(-2)},
				{Title: "Sunday trail film", DueDate: day(1)},
			}},
		{Handle: "alice", Stage: str(dm.StageContentLive), Notes: str("Photo series from the lake trail is live."),
			FeeMinor: fee(50000), FeeCurrency: str("EUR"),
			Deliverables: &[]dm.Deliverable{{Title: "Photo series, 5 posts", DueDate: day(-10), Done: true}}},
		{Handle: "leo_climbs", Notes: str("Great fit for the climbing range; never talked to us.")},
	}
	for _, d := range deals {
		if _, err := b.AddCreator(ctx, acme, "acme", d); err != nil {
			return fmt.Errorf("creator @%s: %w", d.Handle, err)
		}
	}
	// leo gets the proposal by DM (it waits in his Requests); a follow-up
	// is queued for three days later unless he answers.
	_, _, err := b.Outreach(ctx, acme, "acme", "leo_climbs", brand.OutreachInput{
		Text:      "Hi {{first_name|there}}! {{brand_name}} here. We love your climbing videos: would you try our new harness this season? Paid collaboration, of course.",
		FollowUps: []brand.FollowUpInput{{DelayMinutes: 3 * 24 * 60, Text: "Hi {{first_name|there}}, just checking you saw our note about the harness. No pressure!"}},
	})
	if err != nil {
		return fmt.Errorf("outreach to @leo_climbs: %w", err)
	}
	return nil
}

// seedDesk gives acme's console its support desk: response targets, a cap
// per agent, a billing team and a shared macro (docs/console.md).
func seedDesk(ctx context.Context, b *brand.Service, acme *dm.Account) error {
	if _, err := b.PutServiceLevels(ctx, acme, "acme", dm.ServiceLevels{FirstResponseMinutes: 60, NextResponseMinutes: 30, MaxOpenPerAgent: 20}); err != nil {
		return err
	}
	name, members := "billing", []string{"carol"}
	if _, err := b.PutAgentTeam(ctx, acme, "acme", "", brand.AgentTeamInput{Name: &name, Members: &members}); err != nil {
		return err
	}
	title, text, labels, status, assign := "Refund to billing",
		"Sorry about that, {{first_name|there}}! Our billing team will refund you within 2 business days.", []string{"refund"}, dm.InboxPending, "team:billing"
	_, err := b.PutMacro(ctx, acme, "acme", "", brand.MacroInput{Title: &title, Text: &text, AddLabels: &labels, Status: &status, Assign: &assign})
	return err
}
