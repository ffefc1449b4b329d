package chat_test

import (
	"bytes"
	"testing"

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
