package brand_test

// BenchmarkSend compares, in process and without HTTP, a person-to-person
// send with a customer's send to a brand with 200 enabled rules (issue 10's
// budget: within 10%), on a SQLite file with synchronous=FULL as served, with
// the webhooks' stage in the pipeline as the server wires it. Besides ns/op
// it reports the process's CPU time per send (cpu-µs/op), the figure that a
// shared machine disturbs least:
//
//	go test -run '^$' -bench Send -benchtime 4000x -count 4 ./internal/brand/

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
)

func BenchmarkSend(b *testing.B) {
	ctx := context.Background()
	pl := newPipeline(b, nil, 0)
	c, bs := pl.chat, pl.brand
	signup := func(h, kind string) *dm.Account { return pl.signup(b, h, kind) }
	acme := signup("acme", dm.KindBrand)
	for i := range 200 {
		in := brand.RuleInput{Name: fmt.Sprintf("rule %d", i), Enabled: true,
			Actions: []dm.Action{{Type: dm.ActReply, Text: "Hello {{first_name|there}}"}}}
		switch i % 4 {
		case 0, 1:
			in.Trigger = dm.Trigger{Type: "keyword", Keywords: []string{fmt.Sprintf("word%d", i), fmt.Sprintf("two words%d", i), fmt.Sprintf("café%d", i)}}
		case 2:
			in.Trigger = dm.Trigger{Type: "quick_reply", Payload: fmt.Sprintf("P%d", i)}
		case 3:
			in.Trigger = dm.Trigger{Type: "message"}
			in.Conditions = []dm.Condition{{Type: "label", Value: fmt.Sprintf("label%d", i)}}
		}
		if _, _, err := bs.PutRule(ctx, acme, "acme", "", in); err != nil {
			b.Fatal(err)
		}
	}
	const pairs = 64
	type pair struct {
		from *dm.Account
		conv string
	}
	var people, customers []pair
	for i := range pairs {
		from, pc := pl.pair(b, i)
		people = append(people, pair{from, pc})
		cu := signup(fmt.Sprintf("ccc%d", i), dm.KindPerson)
		conv, _, err := c.CreateConversation(ctx, cu, []string{"acme"}, "")
		if err != nil {
			b.Fatal(err)
		}
		customers = append(customers, pair{cu, conv.ID})
	}
	for _, side := range []struct {
		name  string
		pairs []pair
	}{{"person", people}, {"brand", customers}} {
		b.Run(side.name, func(b *testing.B) {
			b.SetParallelism(pairs / 2) // 64 senders on 2 CPUs, as the HTTP bench
			next := make(chan int, pairs)
			for i := range pairs {
				next <- i
			}
			cpu0 := cpuTime()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				p := side.pairs[<-next]
				for pb.Next() {
					if _, _, err := c.Send(ctx, p.from, p.conv, chat.SendParams{Text: "Hello there, how are you today?"}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

// cpuTime is the process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
