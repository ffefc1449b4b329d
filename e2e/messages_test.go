package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/parleyhq/parley/client"
)

func TestEditAndDelete(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	ari, ben := e.user("ari"), e.user("ben")
	conv := e.direct(ari, "ben")
	m1 := e.send(ari, conv.ID, "helo")
	m2 := e.send(ari, conv.ID, "meet at 5")
	m3 := e.send(ben, conv.ID, "ok")

	ed, err := ari.EditMessage(ctx, m1.ID, "hello")
	if ok(t, err, "sender edits") && (ed.Text != "hello" || ed.EditedAt == nil || ed.ID != m1.ID || ed.Seq != m1.Seq) {
		t.Errorf("edit: want text hello, edited_at set, same id and seq; got %+v", ed)
	}
	if m1.EditedAt != nil {
		t.Errorf("a fresh message must not have edited_at, got %v", m1.EditedAt)
	}
	_, err = ben.EditMessage(ctx, m1.ID, "hijacked")
	wantStatus(t, err, http.StatusForbidden, "ben edits ari's message")
	_, err = ari.EditMessage(ctx, m1.ID, "   ")
	wantStatus(t, err, http.StatusBadRequest, "edit to blank text")
	msgs, _, err := ben.Messages(ctx, conv.ID, "", 0)
	if ok(t, err, "ben lists") && (len(msgs) != 3 || msgs[2].Text != "hello" || msgs[2].EditedAt == nil) {
		t.Errorf("ben's view after the edit: want 3 messages, the oldest 'hello' and edited; got %+v", msgs)
	}

	// Delete for me: only the deleter stops seeing it.
	must(t, ben.DeleteMessage(ctx, m2.ID, false), "ben deletes m2 for himself")
	msgs, _, err = ben.Messages(ctx, conv.ID, "", 0)
	if ok(t, err, "ben lists") {
		for _, m := range msgs {
			if m.ID == m2.ID {
				t.Errorf("ben deleted m2 for himself but still sees it: %+v", m)
			}
		}
		if len(msgs) != 2 {
			t.Errorf("ben after delete for me: want 2 messages, got %d", len(msgs))
		}
	}
	msgs, _, err = ari.Messages(ctx, conv.ID, "", 0)
	if ok(t, err, "ari lists") && (len(msgs) != 3 || msgs[1].ID != m2.ID || msgs[1].Deleted) {
		t.Errorf("ari after ben's delete for me: want m2 still there, got %+v", msgs)
	}

	// Delete for everyone: sender only; others see a placeholder.
	wantStatus(t, ben.DeleteMessage(ctx, m1.ID, true), http.StatusForbidden, "ben deletes ari's message for everyone")
	must(t, ari.DeleteMessage(ctx, m1.ID, true), "ari deletes m1 for everyone")
	msgs, _, err = ben.Messages(ctx, conv.ID, "", 0)
	if ok(t, err, "ben lists after delete for everyone") {
		found := false
		for _, m := range msgs {
			if m.ID == m1.ID {
				found = true
				if !m.Deleted || m.Text != "" || m.Seq != m1.Seq {
					t.Errorf("m1 deleted for everyone: want deleted:true, empty text, same seq; got %+v", m)
				}
			}
		}
		if !found {
			t.Errorf("m1 deleted for everyone must keep its place for ben, got %+v", msgs)
		}
	}
	_, err = ari.EditMessage(ctx, m1.ID, "resurrected")
	want4xx(t, err, "edit a message deleted for everyone")

	// Ben may delete his own message for everyone.
	ok(t, ben.DeleteMessage(ctx, m3.ID, true), "ben deletes his own message for everyone")
	wantStatus(t, ari.DeleteMessage(ctx, "00000000000000000000000000", false), http.StatusNotFound, "delete an unknown message")
	_, err = ari.Do(ctx, http.MethodDelete, "/api/v1/messages/"+m2.ID+"?for=nobody", nil, nil)
	wantStatus(t, err, http.StatusBadRequest, "DELETE /messages/{id}?for=nobody")
}

func TestReactions(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	kim, lou := e.user("kim"), e.user("lou")
	conv := e.direct(kim, "lou")
	m := e.send(kim, conv.ID, "party at mine")

	must(t, lou.React(ctx, m.ID, "🎉"), "lou reacts")
	must(t, lou.React(ctx, m.ID, "🎉"), "lou reacts again (idempotent)")
	must(t, kim.React(ctx, m.ID, "🎉"), "kim reacts")
	must(t, kim.React(ctx, m.ID, "👍🏽"), "kim reacts with a skin tone")

	reactions := func(c *client.Client) map[string]client.Reaction {
		t.Helper()
		msgs, _, err := c.Messages(ctx, conv.ID, "", 0)
		must(t, err, "list")
		out := map[string]client.Reaction{}
		for _, r := range msgs[0].Reactions {
			out[r.Emoji] = r
		}
		return out
	}
	rs := reactions(lou)
	if rs["🎉"].Count != 2 || !rs["🎉"].Me || rs["👍🏽"].Count != 1 || rs["👍🏽"].Me || len(rs) != 2 {
		t.Errorf("lou's view: want 🎉 x2 (me) and 👍🏽 x1 (not me), got %+v", rs)
	}
	rs = reactions(kim)
	if rs["🎉"].Count != 2 || !rs["🎉"].Me || !rs["👍🏽"].Me {
		t.Errorf("kim's view: want 🎉 x2 (me) and 👍🏽 (me), got %+v", rs)
	}

	must(t, lou.Unreact(ctx, m.ID, "🎉"), "lou unreacts")
	must(t, lou.Unreact(ctx, m.ID, "🎉"), "lou unreacts again (idempotent)")
	rs = reactions(lou)
	if rs["🎉"].Count != 1 || rs["🎉"].Me {
		t.Errorf("after lou's unreact: want 🎉 x1, not me; got %+v", rs)
	}

	for _, bad := range []string{"a", "lol", "1", "<b>", "🎉 x", "%20"} {
		wantStatus(t, lou.React(ctx, m.ID, bad), http.StatusBadRequest, fmt.Sprintf("react with %q", bad))
	}
	wantStatus(t, lou.React(ctx, "00000000000000000000000000", "🎉"), http.StatusNotFound, "react to an unknown message")
}

func TestUnreadCounts(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	uma, vic := e.user("uma"), e.user("vic")
	conv := e.direct(uma, "vic")
	unread := func(c *client.Client) int {
		t.Helper()
		cv, err := c.Conversation(ctx, conv.ID)
		must(t, err, "get conversation")
		return cv.UnreadCount
	}
	var sent []*client.Message
	for i := range 5 {
		sent = append(sent, e.send(uma, conv.ID, fmt.Sprintf("message %d", i+1)))
	}
	if n := unread(vic); n != 5 {
		t.Errorf("vic after 5 messages: want unread 5, got %d", n)
	}
	if n := unread(uma); n != 0 {
		t.Errorf("uma's own messages: want unread 0, got %d", n)
	}
	// Listing must agree with the single view.
	convs, _, err := vic.Conversations(ctx, "requests", "", 0)
	if ok(t, err, "vic's requests") && (len(convs) != 1 || convs[0].UnreadCount != 5) {
		t.Errorf("vic's requests: want one conversation with unread 5, got %+v", convs)
	}

	must(t, vic.MarkRead(ctx, conv.ID, sent[2].ID), "vic reads up to the 3rd message")
	if n := unread(vic); n != 2 {
		t.Errorf("vic after reading up to message 3 of 5: want unread 2, got %d", n)
	}
	e.send(uma, conv.ID, "message 6")
	if n := unread(vic); n != 3 {
		t.Errorf("vic after a 6th message: want unread 3, got %d", n)
	}
	must(t, vic.MarkRead(ctx, conv.ID, ""), "vic reads all")
	if n := unread(vic); n != 0 {
		t.Errorf("vic after reading all: want unread 0, got %d", n)
	}
	cv, err := vic.Conversation(ctx, conv.ID)
	if ok(t, err, "vic's conversation") && cv.LastReadSeq != 6 {
		t.Errorf("vic after reading all: want last_read_seq 6, got %d", cv.LastReadSeq)
	}
	// Replies count for the other side.
	e.send(vic, conv.ID, "reply 1")
	e.send(vic, conv.ID, "reply 2")
	if n := unread(uma); n != 2 {
		t.Errorf("uma after 2 replies: want unread 2, got %d", n)
	}
	// A message deleted for everyone no longer counts as unread.
	r3 := e.send(vic, conv.ID, "reply 3")
	must(t, vic.DeleteMessage(ctx, r3.ID, true), "vic unsends reply 3")
	if n := unread(uma); n != 2 {
		t.Errorf("uma after vic unsent reply 3: want unread 2, got %d", n)
	}
	wantStatus(t, vic.MarkRead(ctx, conv.ID, "00000000000000000000000000"), http.StatusNotFound, "mark read at an unknown message")
}

func TestMuteArchive(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	wes, xia := e.user("wes"), e.user("xia")
	must(t, xia.Follow(ctx, "wes"), "xia follows wes")
	conv := e.direct(wes, "xia")
	e.send(wes, conv.ID, "hi")

	cv, err := xia.UpdateConversation(ctx, conv.ID, client.ConversationUpdate{Muted: ptr(true)})
	if ok(t, err, "xia mutes") && (!cv.Muted || cv.Archived) {
		t.Errorf("mute: want muted, not archived; got %+v", cv)
	}
	cv, err = wes.Conversation(ctx, conv.ID)
	if ok(t, err, "wes reads") && cv.Muted {
		t.Errorf("xia's mute must not mute it for wes")
	}

	_, err = xia.UpdateConversation(ctx, conv.ID, client.ConversationUpdate{Archived: ptr(true)})
	must(t, err, "xia archives")
	if !e.inFolder(xia, "archived", conv.ID) || e.inFolder(xia, "inbox", conv.ID) {
		t.Errorf("archived: want it in archived only; archived %v inbox %v", e.folder(xia, "archived"), e.folder(xia, "inbox"))
	}
	if !e.inFolder(wes, "inbox", conv.ID) {
		t.Errorf("xia's archive must not move it for wes")
	}
	cv, err = xia.Conversation(ctx, conv.ID)
	if ok(t, err, "xia reads") && (!cv.Archived || !cv.Muted) {
		t.Errorf("after archive: want muted and archived, got %+v", cv)
	}
	_, err = xia.UpdateConversation(ctx, conv.ID, client.ConversationUpdate{Archived: ptr(false), Muted: ptr(false)})
	must(t, err, "xia unarchives and unmutes")
	if !e.inFolder(xia, "inbox", conv.ID) || e.inFolder(xia, "archived", conv.ID) {
		t.Errorf("unarchived: want it in the inbox only")
	}
	// A direct conversation has no title to set.
	_, err = xia.UpdateConversation(ctx, conv.ID, client.ConversationUpdate{Title: ptr("us")})
	want4xx(t, err, "set a title on a direct conversation")
}

func TestDeleteConversationForMe(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	yan, zed := e.user("yan"), e.user("zed")
	must(t, zed.Follow(ctx, "yan"), "zed follows yan")
	conv := e.direct(yan, "zed")
	e.send(yan, conv.ID, "old 1")
	e.send(zed, conv.ID, "old 2")

	must(t, zed.DeleteConversation(ctx, conv.ID), "zed deletes the conversation for himself")
	if e.inFolder(zed, "inbox", conv.ID) {
		t.Errorf("zed deleted the conversation: want it out of his inbox")
	}
	msgs, _, err := zed.Messages(ctx, conv.ID, "", 0)
	if ok(t, err, "zed lists the cleared conversation") && len(msgs) != 0 {
		t.Errorf("zed cleared the history: want no messages, got %d", len(msgs))
	}
	msgs, _, err = yan.Messages(ctx, conv.ID, "", 0)
	if ok(t, err, "yan lists") && len(msgs) != 2 {
		t.Errorf("zed's delete is for him only: yan wants 2 messages, got %d", len(msgs))
	}

	e.send(yan, conv.ID, "new")
	if cv, err := zed.Conversation(ctx, conv.ID); ok(t, err, "zed reads") && cv.UnreadCount != 1 {
		t.Errorf("zed cleared the history, then one new message: want unread 1, got %d", cv.UnreadCount)
	}
	if !e.inFolder(zed, "inbox", conv.ID) {
		t.Errorf("a newer message must bring the conversation back to zed's inbox, got %v", e.folder(zed, "inbox"))
	}
	msgs, _, err = zed.Messages(ctx, conv.ID, "", 0)
	if ok(t, err, "zed lists after the new message") && (len(msgs) != 1 || msgs[0].Text != "new") {
		t.Errorf("zed after the new message: want only 'new', got %+v", msgs)
	}
	// Reopening the pair gives the same conversation.
	again, created, err := zed.CreateConversation(ctx, []string{"yan"}, "")
	if ok(t, err, "zed reopens yan") && (created || again.ID != conv.ID) {
		t.Errorf("reopen after delete: want the same conversation with 200, got %s created=%v", again.ID, created)
	}
}

func TestHistoryPagesAndReplies(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	pia, quin := e.user("pia"), e.user("quin")
	conv := e.direct(pia, "quin")
	const n = 25
	var ids []string
	for i := range n {
		ids = append(ids, e.send(pia, conv.ID, fmt.Sprintf("m%02d", i+1)).ID)
	}
	r, _, err := quin.Send(ctx, conv.ID, client.SendParams{Text: "re m01", ReplyTo: ids[0]})
	if ok(t, err, "reply") && r.ReplyTo != ids[0] {
		t.Errorf("reply: want reply_to %s, got %q", ids[0], r.ReplyTo)
	}
	if other := e.direct(quin, "pia"); other.ID != conv.ID {
		t.Errorf("get-or-create from the other side: want %s, got %s", conv.ID, other.ID)
	}
	_, _, err = quin.Send(ctx, conv.ID, client.SendParams{Text: "re nothing", ReplyTo: "00000000000000000000000000"})
	want4xx(t, err, "reply to an unknown message")

	var seen []client.Message
	before := ""
	pages := 0
	for {
		page, next, err := quin.Messages(ctx, conv.ID, before, 10)
		must(t, err, "page")
		pages++
		seen = append(seen, page...)
		if next == "" {
			break
		}
		before = next
		if pages > 10 {
			t.Fatalf("paging does not end")
		}
	}
	if len(seen) != n+1 || pages != 3 {
		t.Errorf("paging 26 messages by 10: want 26 in 3 pages, got %d in %d", len(seen), pages)
	}
	for i, m := range seen {
		if want := int64(n + 1 - i); m.Seq != want {
			t.Errorf("message %d: want seq %d (newest first, no gaps), got %d", i, want, m.Seq)
			break
		}
	}
	for _, q := range []string{"limit=-1", "limit=abc", "before=not-an-id"} {
		_, err := quin.Do(ctx, http.MethodGet, "/api/v1/conversations/"+conv.ID+"/messages?"+q, nil, nil)
		want4xx(t, err, "GET /conversations/{id}/messages?"+q)
	}
}
