package chat_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
)

// An unchanged first page is encoded once for all its readers; a send (an
// event in the reader's log) gives the next read a new page and encoding.
func TestFirstPageEncodedOnce(t *testing.T) {
	r := newRules(t, chat.Config{})
	if _, ok := r.store.(dm.EventSeqPeeker); !ok {
		t.Fatal("the SQLite store must serve cached pages without a View (dm.EventSeqPeeker)")
	}
	ada, ben := r.account("ada", dm.AllowEveryone), r.account("ben", dm.AllowEveryone)
	conv, _, err := r.svc.CreateConversation(r.ctx, ada, []string{"ben"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.svc.Send(r.ctx, ada, conv.ID, chat.SendParams{Text: "one"}); err != nil {
		t.Fatal(err)
	}
	page := func() (string, *chat.Encoded) {
		t.Helper()
		cs, _, enc, err := r.svc.ConversationsPage(r.ctx, ada, dm.FolderInbox, "", 50)
		if err != nil || len(cs) != 1 {
			t.Fatalf("ConversationsPage: %d conversations, %v", len(cs), err)
		}
		return cs[0].LastMessage.Text, enc
	}
	encodings := 0
	encode := func(text string) func() []byte {
		return func() []byte { encodings++; return []byte(text) }
	}
	text1, enc1 := page()
	_, enc2 := page()
	if enc1 == nil || enc1 != enc2 {
		t.Fatalf("two reads of an unchanged page: slots %p and %p, want one", enc1, enc2)
	}
	b1, b2 := enc1.Bytes(encode(text1)), enc2.Bytes(encode("never"))
	if !bytes.Equal(b1, b2) || encodings != 1 {
		t.Fatalf("encoded %d times (%q, %q), want once", encodings, b1, b2)
	}
	if _, _, err := r.svc.Send(r.ctx, ben, conv.ID, chat.SendParams{Text: "two"}); err != nil {
		t.Fatal(err)
	}
	text3, enc3 := page()
	if enc3 == enc1 || text3 != "two" {
		t.Fatalf("after a send: same slot %v, last message %q", enc3 == enc1, text3)
	}
	if b3 := enc3.Bytes(encode(text3)); string(b3) != "two" || encodings != 2 {
		t.Fatalf("after a send: %q after %d encodings", b3, encodings)
	}
	// Pages past the first are never shared.
	if _, _, enc, err := r.svc.ConversationsPage(r.ctx, ada, dm.FolderInbox, "x", 50); err == nil && enc != nil {
		t.Fatal("a cursor's page has a shared slot")
	}
	var none *chat.Encoded
	if b := none.Bytes(encode("fresh")); string(b) != "fresh" {
		t.Fatalf("a nil slot encodes each time: %q", b)
	}
}

// A page of history is kept for its reader while their event log stands
// still: every change to what they see of it, and the loss of their
// membership, gives the next read a fresh page; otherwise it is rebuilt
// after pageMaxAge.
func TestHistoryPageKept(t *testing.T) {
	r := newRules(t, chat.Config{RateLimitOff: true})
	ada, ben := r.account("ada", dm.AllowEveryone), r.account("ben", dm.AllowEveryone)
	cat := r.account("cat", dm.AllowEveryone)
	conv, _, err := r.svc.CreateConversation(r.ctx, ada, []string{"ben", "cat"}, "trip")
	mustOK(t, err)
	var sent []*dm.Message
	for i := range 6 {
		m, _, err := r.svc.Send(r.ctx, ada, conv.ID, chat.SendParams{Text: "line " + string(rune('a'+i))})
		mustOK(t, err)
		sent = append(sent, m)
	}
	type page struct {
		msgs []dm.Message
		next string
		enc  *chat.Encoded
	}
	read := func(who *dm.Account, before string) (page, error) {
		t.Helper()
		ms, next, enc, err := r.svc.MessagesPage(r.ctx, who, conv.ID, before, 3)
		return page{ms, next, enc}, err
	}
	mustRead := func(who *dm.Account, before string) page {
		t.Helper()
		p, err := read(who, before)
		mustOK(t, err)
		if len(p.msgs) != 3 || p.enc == nil {
			t.Fatalf("a page of 3: %d messages, slot %v", len(p.msgs), p.enc)
		}
		return p
	}
	newest := mustRead(ben, "")
	if again := mustRead(ben, ""); again.enc != newest.enc {
		t.Fatal("two reads of an unchanged newest page: two slots, want one")
	}
	older := mustRead(ben, newest.next)
	if again := mustRead(ben, newest.next); again.enc != older.enc || again.msgs[0].ID != sent[2].ID {
		t.Fatalf("two reads of an unchanged older page: shared %v, first %s want %s", again.enc == older.enc, again.msgs[0].ID, sent[2].ID)
	}
	if other := mustRead(cat, ""); other.enc == newest.enc {
		t.Fatal("cat was given ben's page")
	}

	// Each change ben can see gives him a new page that shows it.
	changes := []struct {
		name   string
		change func() error
		shows  func(m dm.Message) bool
	}{
		{"an edit", func() error { _, err := r.svc.Edit(r.ctx, ada, sent[1].ID, "line b, edited"); return err },
			func(m dm.Message) bool { return m.Text == "line b, edited" }},
		{"a reaction", func() error { return r.svc.React(r.ctx, cat, sent[1].ID, "👍", true) },
			func(m dm.Message) bool { return len(m.Reactions) == 1 && m.Reactions[0].Count == 1 }},
		{"an unsend", func() error { return r.svc.Delete(r.ctx, ada, sent[1].ID, true) },
			func(m dm.Message) bool { return m.Deleted && m.Text == "" }},
	}
	for _, c := range changes {
		before := mustRead(ben, newest.next)
		mustOK(t, c.change())
		after := mustRead(ben, newest.next)
		if after.enc == before.enc || !c.shows(after.msgs[1]) {
			t.Fatalf("after %s: same slot %v, message %+v", c.name, after.enc == before.enc, after.msgs[1])
		}
	}
	// A deletion for ben alone.
	mustRead(ben, newest.next)
	mustOK(t, r.svc.Delete(r.ctx, ben, sent[0].ID, false))
	p, err := read(ben, newest.next)
	mustOK(t, err)
	for _, m := range p.msgs {
		if m.ID == sent[0].ID {
			t.Fatalf("a message ben deleted for himself is still on his page: %+v", m)
		}
	}

	// The page outlives no more than pageMaxAge (a name changes without an event).
	kept := mustRead(ben, "")
	r.advance(29 * time.Second)
	if p := mustRead(ben, ""); p.enc != kept.enc {
		t.Fatal("a page was rebuilt before pageMaxAge")
	}
	r.advance(2 * time.Second)
	if p := mustRead(ben, ""); p.enc == kept.enc {
		t.Fatal("a page outlived pageMaxAge")
	}

	// Removed from the group, ben reads none of its pages, kept or not.
	mustRead(ben, "")
	if _, err := read(ben, newest.next); err != nil {
		t.Fatal(err)
	}
	mustOK(t, r.svc.RemoveMember(r.ctx, ada, conv.ID, "ben"))
	for _, before := range []string{"", newest.next} {
		if _, err := read(ben, before); !dm.IsCode(err, dm.ENOTFOUND) {
			t.Fatalf("a removed member reads the page before %q: %v", before, err)
		}
	}
}
