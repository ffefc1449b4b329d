package main

import (
	"context"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
)

const demoPassword = "parley-demo"

// seedDemo fills an empty database with people who already talk, so that a
// newcomer sees a living product. On a database that has them it does nothing.
func seedDemo(ctx context.Context, c *chat.Service) error {
	people := []chat.SignupParams{
		{Handle: "alice", DisplayName: "Alice Martin"},
		{Handle: "bob", DisplayName: "Bob Okafor"},
		{Handle: "carol", DisplayName: "Carol Nguyen"},
		{Handle: "dan", DisplayName: "Dan Rossi"},
		{Handle: "acme", DisplayName: "Acme Outdoor", Kind: dm.KindBrand},
	}
	acc := map[string]*dm.Account{}
	for _, p := range people {
		p.Password = demoPassword
		a, err := c.Signup(ctx, p)
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
	}
	for h, bio := range bios {
		b := bio
		if _, _, err := c.UpdateMe(ctx, acc[h], chat.MeUpdate{Bio: &b}); err != nil {
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
	_, _, err = talk("dan", []string{"acme"}, "", []line{
		{"dan", "Do you have the Ridge 45 backpack in green?"},
	})
	return err
}
