package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
)

// creatorsEnv is a brand acme with an agent bob given the partnerships
// permission, an agent carol without it, and a stranger eve, on a server
// whose clock the test moves.
type creatorsEnv struct {
	*env
	clk              *clock
	acme, bob, carol *client.Client
	eve              *client.Client
}

func startCreators(t *testing.T) *creatorsEnv {
	t.Helper()
	clk := &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	e := startClocked(t, clk)
	ctx := e.ctx
	if _, err := e.anon().Signup(ctx, client.SignupParams{Handle: "acme", Password: password("acme"), DisplayName: "Acme", Kind: "brand"}); err != nil {
		t.Fatal(err)
	}
	acme := e.anon()
	_, _, err := acme.Login(ctx, "acme", password("acme"))
	must(t, err, "login acme")
	_, err = acme.PutBrandSettings(ctx, "acme", client.BrandSettings{TimeZone: "UTC"})
	must(t, err, "brand settings")
	ce := &creatorsEnv{env: e, clk: clk, acme: acme, bob: e.user("bob"), carol: e.user("carol"), eve: e.user("eve")}
	_, err = acme.AddTeamMember(ctx, "acme", "bob", "agent")
	must(t, err, "add bob")
	_, err = acme.AddTeamMember(ctx, "acme", "carol", "agent")
	must(t, err, "add carol")
	perms := []string{"partnerships"}
	m, err := acme.UpdateTeamMember(ctx, "acme", "bob", client.TeamMemberUpdate{Permissions: &perms})
	must(t, err, "give bob partnerships")
	if len(m.Permissions) != 1 || m.Permissions[0] != "partnerships" {
		t.Fatalf("bob's permissions = %v", m.Permissions)
	}
	return ce
}

// collabMessages returns the collaboration messages of a conversation, as
// its member c sees them, oldest first.
func collabMessages(t *testing.T, e *env, c *client.Client, convID string) []client.Message {
	t.Helper()
	msgs, err := allMessages(e.ctx, c, convID)
	must(t, err, "messages")
	var out []client.Message
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Collaboration {
			out = append(out, msgs[i])
		}
	}
	return out
}

// waitCreator polls a creator of acme's pipeline until ok holds.
func (ce *creatorsEnv) waitCreator(t *testing.T, handle, what string, ok func(*client.Creator) bool) *client.Creator {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := ce.bob.Creator(ce.ctx, "acme", handle)
		must(t, err, "creator "+handle)
		if ok(c) {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: creator @%s is %+v", what, handle, c)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settle moves the clock on and lets the job runner look at what became
// due: long enough for a due job to have run, not a condition to wait on.
func (ce *creatorsEnv) settle(d time.Duration) {
	ce.clk.Add(d)
	time.Sleep(300 * time.Millisecond)
}

// TestCreatorPipelineAccess: the pipeline exists only for the brand's
// owners, admins and agents with the partnerships permission; anyone else
// gets 404 on every route, and a brand member's permissions are managed by
// owners and admins.
func TestCreatorPipelineAccess(t *testing.T) {
	ce := startCreators(t)
	ctx := ce.ctx
	ce.user("ana")
	// Cursors from now: who hears of the pipeline's changes.
	cursors := map[string]string{}
	for name, c := range map[string]*client.Client{"bob": ce.bob, "carol": ce.carol, "acme": ce.acme} {
		_, cur, err := c.Events(ctx, "", 0)
		must(t, err, name+"'s cursor")
		cursors[name] = cur
	}
	_, err := ce.bob.AddCreator(ctx, "acme", client.CreatorInput{Handle: "ana"})
	must(t, err, "bob adds ana")
	heard := func(name string, c *client.Client) bool {
		evs, _, err := c.Events(ctx, cursors[name], 100)
		must(t, err, name+"'s events")
		for _, ev := range evs {
			if ev.Type == "creator.updated" {
				if ev.Brand != "acme" || ev.Actor == nil || ev.Actor.Handle != "ana" || ev.State != "prospect" {
					t.Errorf("%s got %+v", name, ev)
				}
				return true
			}
		}
		return false
	}
	if !heard("bob", ce.bob) || !heard("acme", ce.acme) {
		t.Error("the brand and bob did not get creator.updated")
	}
	if heard("carol", ce.carol) {
		t.Error("carol, without partnerships, got creator.updated")
	}
	for _, who := range []struct {
		name string
		c    *client.Client
	}{{"an agent without partnerships", ce.carol}, {"a stranger", ce.eve}} {
		_, err := who.c.Creators(ctx, "acme")
		wantStatus(t, err, 404, who.name+" lists the pipeline")
		_, err = who.c.Creator(ctx, "acme", "ana")
		wantStatus(t, err, 404, who.name+" reads a creator")
		_, err = who.c.AddCreator(ctx, "acme", client.CreatorInput{Handle: "eve"})
		wantStatus(t, err, 404, who.name+" adds a creator")
		stage := "agreed"
		_, err = who.c.UpdateCreator(ctx, "acme", "ana", client.CreatorInput{Stage: &stage})
		wantStatus(t, err, 404, who.name+" moves a creator")
		_, _, err = who.c.StartOutreach(ctx, "acme", "ana", client.OutreachInput{Text: "hi"})
		wantStatus(t, err, 404, who.name+" starts an outreach")
		_, err = who.c.GiveCreatorCodes(ctx, "acme", "ana", client.CreatorCodesInput{CampaignID: "x", Count: 1})
		wantStatus(t, err, 404, who.name+" gives codes")
		wantStatus(t, who.c.RemoveCreator(ctx, "acme", "ana"), 404, who.name+" removes a creator")
	}
	// Agents do not hand out permissions, not even to themselves.
	perms := []string{"partnerships"}
	_, err = ce.carol.UpdateTeamMember(ctx, "acme", "carol", client.TeamMemberUpdate{Permissions: &perms})
	wantStatus(t, err, 403, "an agent gives themself partnerships")
	bad := []string{"everything"}
	_, err = ce.acme.UpdateTeamMember(ctx, "acme", "carol", client.TeamMemberUpdate{Permissions: &bad})
	wantStatus(t, err, 400, "an unknown permission")
	// The brand's own list says what each member may do.
	bs, err := ce.bob.MyBrands(ctx)
	must(t, err, "bob's brands")
	if len(bs) != 1 || len(bs[0].Permissions) != 1 {
		t.Errorf("bob's brands = %+v, want partnerships on acme", bs)
	}
	// Taking the permission away closes the pipeline at once.
	none := []string{}
	_, err = ce.acme.UpdateTeamMember(ctx, "acme", "bob", client.TeamMemberUpdate{Permissions: &none})
	must(t, err, "take partnerships from bob")
	_, err = ce.bob.Creators(ctx, "acme")
	wantStatus(t, err, 404, "bob without partnerships")
	// Owners and admins always see it.
	cs, err := ce.acme.Creators(ctx, "acme")
	if err != nil || len(cs) != 1 || cs[0].Creator.Handle != "ana" || cs[0].Stage != "prospect" {
		t.Errorf("the owner's pipeline = %+v, %v", cs, err)
	}
}

// TestCreatorPipelineEdits: a deal's details and stage moves, with the
// history, and inputs refused with the field named.
func TestCreatorPipelineEdits(t *testing.T) {
	ce := startCreators(t)
	ctx := ce.ctx
	ce.user("ana")
	_, err := ce.bob.AddCreator(ctx, "acme", client.CreatorInput{Handle: "nobody_here"})
	wantStatus(t, err, 404, "an unknown handle")
	_, err = ce.bob.AddCreator(ctx, "acme", client.CreatorInput{Handle: "acme"})
	wantStatus(t, err, 400, "a brand as a creator")
	c, err := ce.bob.AddCreator(ctx, "acme", client.CreatorInput{Handle: "ana"})
	must(t, err, "add ana")
	if c.Stage != "prospect" || len(c.History) != 1 || c.History[0].Reason != "added" || c.History[0].By == nil || c.History[0].By.Handle != "bob" {
		t.Errorf("new creator = %+v", c)
	}
	_, err = ce.bob.AddCreator(ctx, "acme", client.CreatorInput{Handle: "ana"})
	wantStatus(t, err, 409, "ana twice")
	for name, in := range map[string]client.CreatorInput{
		"stage":        {Stage: ptrTo("famous")},
		"fee_currency": {FeeMinor: ptrTo(int64(5000))},
		"due_date":     {DueDate: ptrTo("next week")},
		"deliverables": {Deliverables: &[]client.Deliverable{{Title: ""}}},
	} {
		_, err := ce.bob.UpdateCreator(ctx, "acme", "ana", in)
		if ce := wantStatus(t, err, 400, "a bad "+name); ce != nil && !strings.Contains(ce.Message, name) {
			t.Errorf("a bad %s: the message %q does not name the field", name, ce.Message)
		}
	}
	c, err = ce.bob.UpdateCreator(ctx, "acme", "ana", client.CreatorInput{Stage: ptrTo("agreed"), Notes: ptrTo("Loves trail running <b>"),
		FeeMinor: ptrTo(int64(250000)), FeeCurrency: ptrTo("eur"), DueDate: ptrTo("2026-07-01"),
		Deliverables: &[]client.Deliverable{{Title: "Reel", DueDate: "2026-06-20"}, {Title: "Story", Done: true}}})
	must(t, err, "edit ana")
	if c.Stage != "agreed" || c.Notes != "Loves trail running <b>" || c.FeeMinor != 250000 || c.FeeCurrency != "EUR" || c.DueDate != "2026-07-01" ||
		len(c.Deliverables) != 2 || c.Deliverables[0].ID == "" || !c.Deliverables[1].Done || len(c.History) != 2 || c.History[1].From != "prospect" || c.History[1].To != "agreed" {
		t.Errorf("edited = %+v", c)
	}
	// A deliverable keeps its id when the list is saved again.
	ds := c.Deliverables
	ds[0].Done = true
	c, err = ce.bob.UpdateCreator(ctx, "acme", "ana", client.CreatorInput{Deliverables: &ds})
	must(t, err, "tick a deliverable")
	if c.Deliverables[0].ID != ds[0].ID || !c.Deliverables[0].Done || len(c.History) != 2 {
		t.Errorf("after ticking = %+v", c)
	}
	must(t, ce.bob.RemoveCreator(ctx, "acme", "ana"), "remove ana")
	_, err = ce.bob.Creator(ctx, "acme", "ana")
	wantStatus(t, err, 404, "a removed creator")
}

func ptrTo[T any](v T) *T { return &v }

// TestCreatorOutreach: an outreach lands in the creator's Requests as a
// collaboration message with Accept and Decline buttons, is followed up at
// most twice on the injected clock, and the consent engine refuses more;
// a creator who accepts messages only from people they follow is refused
// with a clear error.
func TestCreatorOutreach(t *testing.T) {
	ce := startCreators(t)
	ctx := ce.ctx
	ana, cy := ce.user("ana"), ce.user("cyd")
	following := "following"
	_, _, err := cy.UpdateMe(ctx, client.MeUpdate{AllowIncoming: &following})
	must(t, err, "cy accepts only people cy follows")
	for _, h := range []string{"ana", "cyd"} {
		_, err := ce.bob.AddCreator(ctx, "acme", client.CreatorInput{Handle: h})
		must(t, err, "add "+h)
	}
	_, _, err = ce.bob.StartOutreach(ctx, "acme", "cyd", client.OutreachInput{Text: "Hi {{first_name|there}}"})
	if ce := wantStatus(t, err, 403, "outreach to someone who accepts only people they follow"); ce != nil && !strings.Contains(ce.Message, "follow") {
		t.Errorf("the refusal %q does not say why", ce.Message)
	}
	if c, err := ce.bob.Creator(ctx, "acme", "cyd"); err != nil || c.Stage != "prospect" || c.Outreach.State != "" {
		t.Errorf("a refused outreach changed the deal: %+v, %v", c, err)
	}
	three := []client.OutreachFollowUp{{DelayMinutes: 60, Text: "a"}, {DelayMinutes: 60, Text: "b"}, {DelayMinutes: 60, Text: "c"}}
	_, _, err = ce.bob.StartOutreach(ctx, "acme", "ana", client.OutreachInput{Text: "Hi", FollowUps: three})
	wantStatus(t, err, 400, "three follow-ups")
	_, _, err = ce.bob.StartOutreach(ctx, "acme", "ana", client.OutreachInput{Text: "Hi {{shoe_size}}"})
	wantStatus(t, err, 400, "an unknown placeholder")

	c, msg, err := ce.bob.StartOutreach(ctx, "acme", "ana", client.OutreachInput{
		Text: "Hi {{first_name|there}}, {{brand_name}} would love to work with you!",
		FollowUps: []client.OutreachFollowUp{{DelayMinutes: 60, Text: "Hi {{first_name}}, any thoughts?"},
			{DelayMinutes: 120, Text: "Last note from {{brand_name}}."}}})
	must(t, err, "outreach to ana")
	if c.Stage != "contacted" || c.Outreach.State != "running" || c.Outreach.Sent != 1 || c.Outreach.ConversationID == "" {
		t.Errorf("after the outreach: %+v", c)
	}
	if msg.Text != "Hi Ana, Acme would love to work with you!" || !msg.Collaboration || !msg.Automated || len(msg.QuickReplies) != 2 ||
		msg.QuickReplies[0].Title != "Accept" || msg.QuickReplies[1].Title != "Decline" {
		t.Errorf("the outreach message = %+v", msg)
	}
	_, _, err = ce.bob.StartOutreach(ctx, "acme", "ana", client.OutreachInput{Text: "again"})
	wantStatus(t, err, 409, "a second outreach while one runs")
	// It lands in ana's Requests, marked, with its buttons.
	conv := c.Outreach.ConversationID
	if !ce.inFolder(ana, "requests", conv) {
		t.Fatalf("the outreach is not in ana's Requests: %v", ce.folder(ana, "requests"))
	}
	if got := collabMessages(t, ce.env, ana, conv); len(got) != 1 || len(got[0].QuickReplies) != 2 {
		t.Fatalf("ana sees %+v", got)
	}
	// Nothing before the delay; then the first follow-up, then the second.
	ce.settle(59 * time.Minute)
	if n := len(collabMessages(t, ce.env, ana, conv)); n != 1 {
		t.Errorf("%d collaboration messages before the first delay, want 1", n)
	}
	ce.clk.Add(2 * time.Minute)
	ce.waitCreator(t, "ana", "the first follow-up", func(c *client.Creator) bool { return c.Outreach.Sent == 2 })
	ce.clk.Add(121 * time.Minute)
	done := ce.waitCreator(t, "ana", "the second follow-up", func(c *client.Creator) bool { return c.Outreach.State == "finished" })
	if done.Outreach.Sent != 3 {
		t.Errorf("finished after %d messages, want 3", done.Outreach.Sent)
	}
	ce.settle(48 * time.Hour)
	got := collabMessages(t, ce.env, ana, conv)
	if len(got) != 3 || got[1].Text != "Hi Ana, any thoughts?" || got[2].Text != "Last note from Acme." {
		t.Fatalf("ana got %d collaboration messages %+v, want the first and two follow-ups", len(got), got)
	}
	for _, m := range got {
		if !m.Automated || len(m.QuickReplies) != 2 {
			t.Errorf("follow-up %q: automated %v, buttons %v", m.Text, m.Automated, m.QuickReplies)
		}
	}
	if !ce.inFolder(ana, "requests", conv) {
		t.Errorf("the conversation left ana's Requests though ana never answered")
	}
	// Three unanswered automated messages: the consent engine allows no
	// fourth, not even as a new outreach.
	_, _, err = ce.bob.StartOutreach(ctx, "acme", "ana", client.OutreachInput{Text: "One more?"})
	if ce := wantStatus(t, err, 403, "a new outreach after three unanswered messages"); ce != nil && !strings.Contains(ce.Message, "answered") {
		t.Errorf("the refusal %q does not say why", ce.Message)
	}
}

// TestCreatorAnswers: Decline stops the sequence and moves the deal to
// declined; a block stops it; a reply stops it; Accept moves the deal to
// negotiating. Each answer is a tap on the message's own buttons.
func TestCreatorAnswers(t *testing.T) {
	ce := startCreators(t)
	ctx := ce.ctx
	two := []client.OutreachFollowUp{{DelayMinutes: 60, Text: "Any thoughts?"}, {DelayMinutes: 60, Text: "Last note."}}
	creators := map[string]*client.Client{}
	convs := map[string]string{}
	for _, h := range []string{"dee", "fay", "gus", "hal"} {
		creators[h] = ce.user(h)
		_, err := ce.bob.AddCreator(ctx, "acme", client.CreatorInput{Handle: h})
		must(t, err, "add "+h)
		c, _, err := ce.bob.StartOutreach(ctx, "acme", h, client.OutreachInput{Text: "Want to collaborate?", FollowUps: two})
		must(t, err, "outreach to "+h)
		convs[h] = c.Outreach.ConversationID
	}
	tap := func(h, title string) {
		t.Helper()
		msgs := collabMessages(t, ce.env, creators[h], convs[h])
		for _, q := range msgs[len(msgs)-1].QuickReplies {
			if q.Title == title {
				_, _, err := creators[h].Send(ctx, convs[h], client.SendParams{Text: q.Title, Payload: q.Payload})
				must(t, err, h+" taps "+title)
				return
			}
		}
		t.Fatalf("%s: no %s button", h, title)
	}
	ce.clk.Add(time.Minute)
	tap("dee", "Decline")
	tap("gus", "Accept")
	must(t, creators["fay"].Block(ctx, "acme"), "fay blocks acme")
	ce.send(creators["hal"], convs["hal"], "Tell me more!")

	dee := ce.waitCreator(t, "dee", "decline", func(c *client.Creator) bool { return c.Stage == "declined" })
	if dee.Outreach.State != "declined" || dee.History[len(dee.History)-1].By == nil || dee.History[len(dee.History)-1].By.Handle != "dee" ||
		dee.History[len(dee.History)-1].Reason != "declined" {
		t.Errorf("after Decline: %+v", dee)
	}
	gus := ce.waitCreator(t, "gus", "accept", func(c *client.Creator) bool { return c.Stage == "negotiating" })
	if gus.Outreach.State != "accepted" || gus.History[len(gus.History)-1].From != "contacted" {
		t.Errorf("after Accept: %+v", gus)
	}
	// Both get one confirmation, which is not itself a proposal.
	for _, h := range []string{"dee", "gus"} {
		msgs := waitMessages(t, creators[h], convs[h], h+"'s confirmation", func(ms []client.Message) bool {
			return len(ms) > 0 && ms[0].Automated && ms[0].Sender.Handle == "acme" && !ms[0].Collaboration
		})
		if h == "gus" && !strings.Contains(msgs[0].Text, "get back to you") || h == "dee" && !strings.Contains(msgs[0].Text, "won't contact you") {
			t.Errorf("%s's confirmation: %q", h, msgs[0].Text)
		}
	}
	// Hours later: no follow-up went to any of them; the block and the
	// reply ended their sequences too.
	for range 4 {
		ce.settle(61 * time.Minute)
	}
	for _, h := range []string{"dee", "fay", "gus", "hal"} {
		if n := len(collabMessages(t, ce.env, creators[h], convs[h])); n != 1 {
			t.Errorf("%s got %d collaboration messages, want only the first", h, n)
		}
	}
	ce.waitCreator(t, "fay", "the block", func(c *client.Creator) bool { return c.Outreach.State == "blocked" })
	ce.waitCreator(t, "hal", "the reply", func(c *client.Creator) bool { return c.Outreach.State == "answered" && c.Stage == "contacted" })
	// A declined creator is not contacted again until the team moves them.
	_, _, err := ce.bob.StartOutreach(ctx, "acme", "dee", client.OutreachInput{Text: "Please?"})
	wantStatus(t, err, 409, "an outreach to a declined creator")
	_, _, err = ce.bob.StartOutreach(ctx, "acme", "fay", client.OutreachInput{Text: "Hello?"})
	wantStatus(t, err, 403, "an outreach to a creator who blocked the brand")
}

// TestCreatorResults: offer codes given to a creator count as theirs when
// redeemed; codes are given all or nothing.
func TestCreatorResults(t *testing.T) {
	ce := startCreators(t)
	ctx := ce.ctx
	ce.user("ana")
	ce.user("ben")
	for _, h := range []string{"ana", "ben"} {
		_, err := ce.bob.AddCreator(ctx, "acme", client.CreatorInput{Handle: h})
		must(t, err, "add "+h)
	}
	offer, err := ce.acme.CreateCampaign(ctx, "acme", client.CampaignInput{Name: "Summer", Type: "offer", Audience: &client.Audience{Followers: true},
		Steps: []client.CampaignStep{{Variants: []client.CampaignVariant{{Name: "A", Text: "20% off", Weight: 100}}}}})
	must(t, err, "create the offer")
	_, _, err = ce.acme.AddOfferCodes(ctx, "acme", offer.ID, "ANA1\nANA2\nANA3\nFREE1\n")
	must(t, err, "upload codes")
	_, err = ce.bob.GiveCreatorCodes(ctx, "acme", "ana", client.CreatorCodesInput{CampaignID: offer.ID, Codes: []string{"ANA1", "NOPE"}})
	wantStatus(t, err, 404, "a code not in the pool")
	c, err := ce.bob.GiveCreatorCodes(ctx, "acme", "ana", client.CreatorCodesInput{CampaignID: offer.ID, Codes: []string{"ANA1", "ANA2", "ANA3"}})
	must(t, err, "give ana three codes")
	if c.Results == nil || c.Results.CodesGiven != 3 || c.Results.Redemptions != 0 {
		t.Fatalf("ana's results = %+v", c.Results)
	}
	_, err = ce.bob.GiveCreatorCodes(ctx, "acme", "ben", client.CreatorCodesInput{CampaignID: offer.ID, Codes: []string{"ANA1"}})
	wantStatus(t, err, 409, "ana's code to ben")
	_, err = ce.bob.GiveCreatorCodes(ctx, "acme", "ben", client.CreatorCodesInput{CampaignID: offer.ID, Count: 2})
	wantStatus(t, err, 409, "two codes from a pool of one")
	c, err = ce.bob.GiveCreatorCodes(ctx, "acme", "ben", client.CreatorCodesInput{CampaignID: offer.ID, Count: 1})
	must(t, err, "give ben the last code")
	if c.Results.CodesGiven != 1 || c.Results.Codes[0].Code != "FREE1" {
		t.Errorf("ben's results = %+v", c.Results)
	}
	for _, code := range []string{"ANA1", "ANA3", "FREE1"} {
		_, err := ce.carol.RedeemCode(ctx, "acme", offer.ID, code)
		must(t, err, "redeem "+code)
	}
	c, err = ce.bob.Creator(ctx, "acme", "ana")
	must(t, err, "ana")
	if c.Results.CodesGiven != 3 || c.Results.Redemptions != 2 {
		t.Errorf("ana's results = %+v, want 3 given and 2 redeemed", c.Results)
	}
	c, err = ce.bob.Creator(ctx, "acme", "ben")
	must(t, err, "ben")
	if c.Results.Redemptions != 1 {
		t.Errorf("ben's results = %+v, want 1 redeemed", c.Results)
	}

	// Tracked links made for a creator count their clicks as the creator's.
	_, _, err = ce.bob.CreatorLink(ctx, "acme", "ana", "javascript:alert(1)")
	wantStatus(t, err, 400, "a link that is not http(s)")
	_, _, err = ce.carol.CreatorLink(ctx, "acme", "ana", "https://shop.example/summer")
	wantStatus(t, err, 404, "a link by an agent without partnerships")
	link, c, err := ce.bob.CreatorLink(ctx, "acme", "ana", "https://shop.example/summer?ref=ana")
	must(t, err, "a link for ana")
	if !strings.Contains(link, "/l/") || c.Results.Links != 1 || c.Results.Clicks != 0 {
		t.Fatalf("link %q, results %+v", link, c.Results)
	}
	other, _, err := ce.bob.CreatorLink(ctx, "acme", "ana", "https://shop.example/winter")
	must(t, err, "a second link for ana")
	for i, l := range []string{link, link, link, other} {
		dest, err := ce.anon().FollowLink(ctx, l)
		must(t, err, fmt.Sprintf("click %d", i))
		if !strings.HasPrefix(dest, "https://shop.example/") {
			t.Errorf("click %d went to %q", i, dest)
		}
	}
	var res *client.CreatorResults
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err = ce.bob.Creator(ctx, "acme", "ana")
		must(t, err, "ana")
		if res = c.Results; res.Clicks == 4 || time.Now().After(deadline) {
			break
		}
	}
	if res.Links != 2 || res.Clicks != 4 || res.UniqueClicks != 2 {
		t.Errorf("ana's link results = %+v, want 2 links, 4 clicks, 2 clicked", res)
	}
	if c, _ := ce.bob.Creator(ctx, "acme", "ben"); c.Results.Clicks != 0 || c.Results.Links != 0 {
		t.Errorf("ben's link results = %+v, want none", c.Results)
	}
}
