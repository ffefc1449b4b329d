package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
)

// TestStreamDevicesAndTypingScope checks that every open socket of an
// account gets the events, and that typing reaches only the conversation's
// members.
func TestStreamDevicesAndTypingScope(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	ray, sue, eve := e.user("ray"), e.user("sue"), e.user("eve")
	conv := e.direct(ray, "sue")
	e.direct(eve, "sue") // eve knows sue, but is not in conv

	var phones []*client.Stream
	for range 2 {
		s, err := sue.Stream(ctx, "")
		must(t, err, "sue's stream")
		defer s.Close()
		readUntilReady(ctx, t, s)
		phones = append(phones, s)
	}
	se, err := eve.Stream(ctx, "")
	must(t, err, "eve's stream")
	defer se.Close()
	readUntilReady(ctx, t, se)

	// Eve's typing into a conversation she is not in must go nowhere.
	must(t, se.SendTyping(ctx, conv.ID), "eve types into someone else's conversation")
	sr, err := ray.Stream(ctx, "")
	must(t, err, "ray's stream")
	defer sr.Close()
	readUntilReady(ctx, t, sr)
	must(t, sr.SendTyping(ctx, conv.ID), "ray types")
	m := e.send(ray, conv.ID, "two phones")
	// The typing notice and the message travel different paths (socket and
	// HTTP), so they may arrive in either order; each phone must get both.
	for i, s := range phones {
		sawTyping, sawMessage := false, false
		for !sawTyping || !sawMessage {
			ev, err := s.Next(ctx)
			must(t, err, fmt.Sprintf("phone %d (typing seen %v, message seen %v)", i, sawTyping, sawMessage))
			switch {
			case ev.Type == "typing" && (ev.Actor == nil || ev.Actor.Handle != "ray"):
				t.Errorf("phone %d: typing from a non-member reached sue: %+v", i, ev.Actor)
			case ev.Type == "typing":
				sawTyping = true
			case ev.Type == "message.created" && ev.Message != nil && ev.Message.ID == m.ID:
				sawMessage = true
			}
		}
	}
}
