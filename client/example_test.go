package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/parleyhq/parley/client"
)

// A bot that greets whoever writes to it, following its event stream and
// resuming from its cursor after a disconnect.
func Example() {
	ctx := context.Background()
	c := client.New("http://127.0.0.1:8080")
	if _, _, err := c.Login(ctx, "greeter", "a long password"); err != nil {
		log.Fatal(err)
	}
	cursor := "" // persist this to resume across restarts
	for {
		s, err := c.Stream(ctx, cursor)
		if err != nil {
			log.Fatal(err)
		}
		for {
			ev, err := s.Next(ctx)
			if err != nil {
				break // reconnect from s.Cursor()
			}
			if ev.Type != "message.created" || ev.Message.Sender.Handle == "greeter" {
				continue
			}
			_, _, err = c.Send(ctx, ev.ConversationID, client.SendParams{
				Text:     "Hello " + ev.Message.Sender.DisplayName + "!",
				ClientID: "greet-" + ev.Message.ID, // safe to retry
			})
			var apiErr *client.Error
			if errors.As(err, &apiErr) && apiErr.Code == "rate_limited" {
				fmt.Println("slowing down for", apiErr.RetryAfter)
			}
		}
		cursor = s.Cursor()
		s.Close()
	}
}
