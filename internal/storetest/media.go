package storetest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

var mediaTests = []test{
	{"Uploads", testUploads},
	{"ClaimUploadOnce", testClaimUploadOnce},
	{"LinkPreviews", testLinkPreviews},
	{"SearchMessages", testSearchMessages},
	{"SearchPaging", testSearchPaging},
}

func newUpload(t *testing.T, s dm.Store, owner *dm.Account, clientID, blob string, created time.Time) *dm.Upload {
	t.Helper()
	u := &dm.Upload{OwnerID: owner.ID, ClientID: clientID, BlobKey: blob, CreatedAt: created}
	u.ID, u.Kind, u.ContentType, u.Name, u.Size, u.Width, u.Height = dm.NewID(), dm.AttachmentImage, "image/png", "a.png", 10, 3, 2
	update(t, s, func(tx dm.Tx) error { return tx.InsertUpload(context.Background(), u) })
	return u
}

func testUploads(t *testing.T, s dm.Store) {
	ctx := context.Background()
	ann, bo := newAccount(t, s, "ann"), newAccount(t, s, "bo")
	c := newConversation(t, s, dm.ConversationDirect, at(0), accepted(ann), accepted(bo))
	blobA, blobB := strings.Repeat("a", 64), strings.Repeat("b", 64)
	u1 := newUpload(t, s, ann, "c1", blobA, at(1))
	u2 := newUpload(t, s, ann, "", blobA, at(2)) // the same bytes again
	u3 := newUpload(t, s, ann, "", blobB, at(3))
	wantCode(t, "a repeated client id", s.Update(ctx, func(tx dm.Tx) error {
		return tx.InsertUpload(ctx, &dm.Upload{Attachment: dm.Attachment{ID: dm.NewID()}, OwnerID: ann.ID, ClientID: "c1", CreatedAt: at(4)})
	}), dm.ECONFLICT)
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.UploadByClientID(ctx, ann.ID, "c1")
		if err != nil || got.ID != u1.ID || got.Width != 3 || got.URL != "/api/v1/attachments/"+u1.ID || got.MessageID != "" {
			t.Errorf("UploadByClientID: %+v, %v", got, err)
		}
		_, err = tx.Upload(ctx, "nope")
		wantCode(t, "a missing upload", err, dm.ENOTFOUND)
		return nil
	})
	m := send(t, s, c.ID, ann, "photos", at(5))
	update(t, s, func(tx dm.Tx) error {
		// Someone else's upload, and one that does not exist, are not
		// claimed (an agent's second owner id too: bo is not ann).
		_, err := tx.ClaimUpload(ctx, u3.ID, bo.ID, "", m.ID, c.ID, 0)
		wantCode(t, "claiming another's upload", err, dm.ENOTFOUND)
		_, err = tx.ClaimUpload(ctx, "nope", ann.ID, "", m.ID, c.ID, 0)
		wantCode(t, "claiming a missing upload", err, dm.ENOTFOUND)
		got, err := tx.ClaimUpload(ctx, u3.ID, ann.ID, "", m.ID, c.ID, 0)
		if err != nil || got.ID != u3.ID || got.MessageID != m.ID || got.ConversationID != c.ID || got.Position != 0 ||
			got.BlobKey != blobB || got.Width != 3 || got.URL != "/api/v1/attachments/"+u3.ID || !got.CreatedAt.Equal(at(3)) {
			t.Errorf("ClaimUpload: %+v, %v", got, err)
		}
		// Claimed once: never again, for this message or another.
		_, err = tx.ClaimUpload(ctx, u3.ID, ann.ID, "", m.ID, c.ID, 1)
		wantCode(t, "claiming a sent upload", err, dm.ENOTFOUND)
		// The second owner id is the writer for a brand.
		got, err = tx.ClaimUpload(ctx, u1.ID, bo.ID, ann.ID, m.ID, c.ID, 1)
		if err != nil || got.Position != 1 || got.MessageID != m.ID {
			t.Errorf("ClaimUpload by the second owner: %+v, %v", got, err)
		}
		return nil
	})
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.MessageAttachments(ctx, []string{m.ID, "other"})
		if err != nil || len(got) != 1 || len(got[m.ID]) != 2 || got[m.ID][0].ID != u3.ID || got[m.ID][1].ID != u1.ID {
			t.Errorf("MessageAttachments: want u3 then u1, got %+v, %v", got, err)
		}
		stale, err := tx.StaleUploads(ctx, at(10), 10)
		if err != nil || len(stale) != 1 || stale[0].ID != u2.ID {
			t.Errorf("StaleUploads: want only the unattached u2, got %+v, %v", stale, err)
		}
		stale, err = tx.StaleUploads(ctx, at(2), 10)
		if err != nil || len(stale) != 0 {
			t.Errorf("StaleUploads before u2 was made: want none, got %+v, %v", stale, err)
		}
		return nil
	})
	update(t, s, func(tx dm.Tx) error {
		gone, err := tx.DeleteMessageUploads(ctx, m.ID)
		if err != nil || len(gone) != 2 {
			t.Errorf("DeleteMessageUploads: %+v, %v", gone, err)
		}
		// blobA is still u2's; blobB was only u3's.
		if used, err := tx.BlobInUse(ctx, blobA); err != nil || !used {
			t.Errorf("blobA in use: %v, %v; want true (u2 keeps it)", used, err)
		}
		if used, err := tx.BlobInUse(ctx, blobB); err != nil || used {
			t.Errorf("blobB in use: %v, %v; want false", used, err)
		}
		return tx.DeleteUpload(ctx, u2.ID)
	})
	view(t, s, func(tx dm.Tx) error {
		if used, _ := tx.BlobInUse(ctx, blobA); used {
			t.Error("blobA still in use after its last upload was deleted")
		}
		return nil
	})
}

// testClaimUploadOnce: two sends that attach the same upload at the same
// time (two tabs) put it on one message only. The second send's claim
// runs while the first's transaction is open and must not find the upload
// once the first commits (PostgreSQL runs writers at once, under READ
// COMMITTED: a read then a write would let both through, the second
// taking the upload from under the first message).
func testClaimUploadOnce(t *testing.T, s dm.Store) {
	ctx := context.Background()
	ann := newAccount(t, s, "ann")
	c := newConversation(t, s, dm.ConversationDirect, at(0), accepted(ann), accepted(newAccount(t, s, "bo")))
	u := newUpload(t, s, ann, "", strings.Repeat("d", 64), at(1))
	m1 := send(t, s, c.ID, ann, "first tab", at(2))
	m2 := send(t, s, c.ID, ann, "second tab", at(3))
	claimed := make(chan struct{})
	var wg sync.WaitGroup
	var second error
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-claimed
		second = s.Update(ctx, func(tx dm.Tx) error {
			_, err := tx.ClaimUpload(ctx, u.ID, ann.ID, "", m2.ID, c.ID, 0)
			return err
		})
	}()
	update(t, s, func(tx dm.Tx) error {
		if _, err := tx.ClaimUpload(ctx, u.ID, ann.ID, "", m1.ID, c.ID, 0); err != nil {
			return err
		}
		close(claimed)
		time.Sleep(100 * time.Millisecond) // the second claim starts meanwhile
		return nil
	})
	wg.Wait()
	wantCode(t, "the second claim of one upload", second, dm.ENOTFOUND)
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.Upload(ctx, u.ID)
		if err != nil || got.MessageID != m1.ID {
			t.Errorf("the upload: %+v, %v; want it on the first message", got, err)
		}
		return nil
	})
}

func testLinkPreviews(t *testing.T, s dm.Store) {
	ctx := context.Background()
	ann := newAccount(t, s, "ann")
	c := newConversation(t, s, dm.ConversationDirect, at(0), accepted(ann), accepted(newAccount(t, s, "bo")))
	m := send(t, s, c.ID, ann, "see https://example.com/a", at(1))
	p := &dm.LinkPreview{URL: "https://example.com/a", Title: "A", Description: "about a", Image: "https://example.com/a.png"}
	update(t, s, func(tx dm.Tx) error {
		if err := tx.PutLinkPreview(ctx, p, at(2)); err != nil {
			return err
		}
		p2 := *p
		p2.Title = "A, again"
		if err := tx.PutLinkPreview(ctx, &p2, at(3)); err != nil {
			return err
		}
		return tx.SetMessagePreview(ctx, m.ID, p.URL)
	})
	view(t, s, func(tx dm.Tx) error {
		got, when, err := tx.LinkPreview(ctx, p.URL)
		if err != nil || got.Title != "A, again" || !when.Equal(at(3)) {
			t.Errorf("LinkPreview: %+v at %v, %v", got, when, err)
		}
		ps, err := tx.MessagePreviews(ctx, []string{m.ID})
		if err != nil || ps[m.ID] == nil || ps[m.ID].Description != "about a" {
			t.Errorf("MessagePreviews: %+v, %v", ps, err)
		}
		return nil
	})
}

func search(t *testing.T, s dm.Store, q dm.SearchQuery) []dm.SearchHit {
	t.Helper()
	var hits []dm.SearchHit
	if c, ok := s.(dm.SearchCatcher); ok {
		if err := c.CatchUpSearch(context.Background()); err != nil {
			t.Fatalf("CatchUpSearch: %v", err)
		}
	}
	view(t, s, func(tx dm.Tx) (err error) {
		hits, err = tx.SearchMessages(context.Background(), q)
		return err
	})
	return hits
}

func hitIDs(hits []dm.SearchHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Message.ID
	}
	return out
}

func testSearchMessages(t *testing.T, s dm.Store) {
	ctx := context.Background()
	ann, bo, cy := newAccount(t, s, "ann"), newAccount(t, s, "bo"), newAccount(t, s, "cy")
	ab := newConversation(t, s, dm.ConversationDirect, at(0), accepted(ann), accepted(bo))
	bc := newConversation(t, s, dm.ConversationDirect, at(0), accepted(bo), accepted(cy))
	m1 := send(t, s, ab.ID, ann, "The blue whale is the largest animal", at(1))
	m2 := send(t, s, ab.ID, bo, "Whales sing; a whale song carries far", at(2))
	m3 := send(t, s, bc.ID, cy, "secret whale plans", at(3))
	m4 := send(t, s, ab.ID, bo, "Café crème at noon?", at(4))

	// Members only: bo sees both conversations, ann only hers.
	if got := hitIDs(search(t, s, dm.SearchQuery{UserID: ann.ID, Words: []string{"whale"}})); len(got) != 2 || !has(got, m1.ID) || !has(got, m2.ID) {
		t.Errorf("ann searches whale: want m1 and m2 (never bo and cy's m3), got %v", got)
	}
	if got := hitIDs(search(t, s, dm.SearchQuery{UserID: bo.ID, Words: []string{"whale"}})); len(got) != 3 {
		t.Errorf("bo searches whale: want 3, got %v", got)
	}
	// Snippets mark the words found.
	hits := search(t, s, dm.SearchQuery{UserID: ann.ID, Words: []string{"largest"}})
	if len(hits) != 1 || !strings.Contains(hits[0].Snippet, dm.SnippetOpen+"largest"+dm.SnippetClose) || hits[0].Message.Sender.Handle != "ann" {
		t.Errorf("snippet of largest: %+v", hits)
	}
	// Case folds, accents stay (both stores alike); phrases must be in order.
	if got := hitIDs(search(t, s, dm.SearchQuery{UserID: ann.ID, Words: []string{"café"}})); len(got) != 1 || got[0] != m4.ID {
		t.Errorf("café finds Café: got %v", got)
	}
	if got := hitIDs(search(t, s, dm.SearchQuery{UserID: ann.ID, Phrases: [][]string{{"blue", "whale"}}})); len(got) != 1 || got[0] != m1.ID {
		t.Errorf("phrase blue whale: got %v", got)
	}
	if got := search(t, s, dm.SearchQuery{UserID: ann.ID, Phrases: [][]string{{"whale", "blue"}}}); len(got) != 0 {
		t.Errorf("phrase whale blue (wrong order): want none, got %v", hitIDs(got))
	}
	// Filters.
	if got := hitIDs(search(t, s, dm.SearchQuery{UserID: bo.ID, Words: []string{"whale"}, SenderID: cy.ID})); len(got) != 1 || got[0] != m3.ID {
		t.Errorf("from cy: got %v", got)
	}
	if got := hitIDs(search(t, s, dm.SearchQuery{UserID: bo.ID, Words: []string{"whale"}, ConversationID: ab.ID})); len(got) != 2 {
		t.Errorf("in ab: got %v", got)
	}
	if got := hitIDs(search(t, s, dm.SearchQuery{UserID: bo.ID, Words: []string{"whale"}, After: at(2), Before: at(3)})); len(got) != 1 || got[0] != m2.ID {
		t.Errorf("between at(2) and at(3): got %v", got)
	}
	if got := search(t, s, dm.SearchQuery{UserID: bo.ID, Words: []string{"whale"}, HasAttachment: true}); len(got) != 0 {
		t.Errorf("has attachment before any: got %v", hitIDs(got))
	}
	u := newUpload(t, s, ann, "", strings.Repeat("c", 64), at(5))
	update(t, s, func(tx dm.Tx) error {
		_, err := tx.ClaimUpload(ctx, u.ID, ann.ID, "", m1.ID, ab.ID, 0)
		return err
	})
	if got := hitIDs(search(t, s, dm.SearchQuery{UserID: bo.ID, Words: []string{"whale"}, HasAttachment: true})); len(got) != 1 || got[0] != m1.ID {
		t.Errorf("has attachment: got %v", got)
	}
	// Paging.
	p1 := hitIDs(search(t, s, dm.SearchQuery{UserID: bo.ID, Words: []string{"whale"}, Limit: 2}))
	p2 := hitIDs(search(t, s, dm.SearchQuery{UserID: bo.ID, Words: []string{"whale"}, Limit: 2, Offset: 2}))
	if len(p1) != 2 || len(p2) != 1 || has(p1, p2[0]) {
		t.Errorf("pages: %v then %v", p1, p2)
	}
	// An edit: the new words are found, the old ones never.
	edited := *m2
	now := at(6)
	edited.Text, edited.EditedAt = "Dolphins sing too", &now
	update(t, s, func(tx dm.Tx) error { return tx.UpdateMessage(ctx, &edited) })
	if got := hitIDs(search(t, s, dm.SearchQuery{UserID: ann.ID, Words: []string{"song"}})); len(got) != 0 {
		t.Errorf("old words of an edited message: want none, got %v", got)
	}
	if got := hitIDs(search(t, s, dm.SearchQuery{UserID: ann.ID, Words: []string{"dolphins"}})); len(got) != 1 || got[0] != m2.ID {
		t.Errorf("new words of an edited message: got %v", got)
	}
	// Deleted for everyone: gone. Hidden for me: gone for me only.
	gone := *m1
	gone.Text, gone.Deleted = "", true
	update(t, s, func(tx dm.Tx) error { return tx.UpdateMessage(ctx, &gone) })
	if got := search(t, s, dm.SearchQuery{UserID: bo.ID, Words: []string{"largest"}}); len(got) != 0 {
		t.Errorf("deleted message found: %v", hitIDs(got))
	}
	update(t, s, func(tx dm.Tx) error { return tx.HideMessage(ctx, m4.ID, ann.ID) })
	if got := search(t, s, dm.SearchQuery{UserID: ann.ID, Words: []string{"noon"}}); len(got) != 0 {
		t.Errorf("a message ann hid is found by ann: %v", hitIDs(got))
	}
	if got := search(t, s, dm.SearchQuery{UserID: bo.ID, Words: []string{"noon"}}); len(got) != 1 {
		t.Errorf("bo should still find m4: %v", hitIDs(got))
	}
	// Left: nothing of the conversation is found any more.
	update(t, s, func(tx dm.Tx) error { return tx.RemoveMembership(ctx, bc.ID, bo.ID) })
	if got := search(t, s, dm.SearchQuery{UserID: bo.ID, Words: []string{"secret"}}); len(got) != 0 {
		t.Errorf("bo left bc but finds its messages: %v", hitIDs(got))
	}
	// Cleared: messages up to the cleared seq are not found.
	changeMembership(t, s, ab.ID, bo, func(m *dm.Membership) { m.ClearedSeq = m4.Seq })
	if got := search(t, s, dm.SearchQuery{UserID: bo.ID, Words: []string{"noon"}}); len(got) != 0 {
		t.Errorf("bo cleared ab but finds m4: %v", hitIDs(got))
	}
}

// testSearchPaging: with more matches than a query ranks (the 600 newest
// of the most recently active conversations), every page up to the
// deepest the API allows is within that set, no result comes twice, and
// together the pages are exactly that set, whatever page size asks.
func testSearchPaging(t *testing.T, s dm.Store) {
	ctx := context.Background()
	ann, bo, cy := newAccount(t, s, "ann"), newAccount(t, s, "bo"), newAccount(t, s, "cy")
	older := newConversation(t, s, dm.ConversationDirect, at(0), accepted(ann), accepted(bo))
	newer := newConversation(t, s, dm.ConversationDirect, at(0), accepted(ann), accepted(cy))
	var msgs []*dm.Message
	fill := func(conv string, from *dm.Account, n int, base int) {
		update(t, s, func(tx dm.Tx) error {
			for i := range n {
				words := "otter"
				if i%3 == 0 {
					words = "otter otter river"
				}
				m := &dm.Message{ID: dm.NewID(), ConversationID: conv, Sender: from.Profile(), Text: words, CreatedAt: at(base + i)}
				if err := tx.InsertMessage(ctx, m, ""); err != nil {
					return err
				}
				msgs = append(msgs, m)
			}
			return nil
		})
	}
	fill(older.ID, bo, 350, 10)
	fill(newer.ID, cy, 350, 1000)
	// The 600 newest: all of the newer conversation, the newest 250 of the older.
	want := map[string]bool{}
	for _, m := range msgs[100:] {
		want[m.ID] = true
	}
	for _, size := range []int{51} { // pages straddle the blocks (at 200 and 400)
		seen := map[string]bool{}
		for off := 0; off < 600; off += size {
			for _, h := range search(t, s, dm.SearchQuery{UserID: ann.ID, Words: []string{"otter"}, Offset: off, Limit: size}) {
				if seen[h.Message.ID] || !want[h.Message.ID] {
					t.Fatalf("page size %d at %d: %s repeated (%v) or not among the 600 newest", size, off, h.Message.Text, seen[h.Message.ID])
				}
				seen[h.Message.ID] = true
			}
		}
		if len(seen) != len(want) {
			t.Errorf("page size %d: %d results in all, want %d", size, len(seen), len(want))
		}
	}
}

func has(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
