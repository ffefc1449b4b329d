package transfer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// DefaultBatch is how many records one transaction loads: large enough that
// a commit (an fsync) is amortised over thousands of rows, small enough
// that a batch's rows stay in the page cache.
const DefaultBatch = 5000

// Loader loads batches through a store's bulk path, at most workers at a
// time. With one worker (Import) batches commit in order, one at a time,
// while the next one is being filled: decoding (or generating) runs on one
// core and the store on the other. More workers suit PostgreSQL, whose
// transactions run side by side, for batches that do not depend on each
// other (bench seed loads accounts, then conversations, then messages,
// waiting between the three).
type Loader struct {
	store dm.Bulk
	bar   *Bar
	sem   chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	n     dm.BulkCounts
	err   error
}

// NewLoader returns a Loader on store; bar may be nil.
func NewLoader(store dm.Bulk, bar *Bar, workers int) *Loader {
	return &Loader{store: store, bar: bar, sem: make(chan struct{}, max(1, workers))}
}

// Counts is what the loaded batches inserted.
func (l *Loader) Counts() dm.BulkCounts {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// Load starts loading b (lines first to end of a file, 0 if generated)
// once fewer than workers batches are in flight, and returns; b must not
// be touched until a later Load or Wait returns (with one worker, the next
// Load). An error is an earlier batch's.
func (l *Loader) Load(ctx context.Context, b *dm.BulkBatch, first, end int) error {
	if err := l.failed(); err != nil {
		return err
	}
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	// The batch whose slot this one took may have failed meanwhile: then
	// nothing after it is written.
	if err := l.failed(); err != nil {
		<-l.sem
		return err
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		// The slot is given back last: with one worker, the next Load
		// returning means this batch is counted and its buffer free.
		defer func() { <-l.sem }()
		n, err := l.store.LoadBatch(ctx, b)
		l.mu.Lock()
		defer l.mu.Unlock()
		if err != nil {
			if first > 0 {
				err = &LineError{First: first, Last: end, Err: err, Imported: first - 1, Batch: true}
			}
			if l.err == nil {
				l.err = err
			}
			return
		}
		l.n.Add(n)
		l.bar.Add(int64(b.Len()))
	}()
	return nil
}

func (l *Loader) failed() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Wait waits for the batches in flight and returns the first error.
func (l *Loader) Wait() error {
	l.wg.Wait()
	return l.failed()
}

// LineError is a bad record (First == Last) or a batch the store refused
// (lines First to Last, none of them written).
type LineError struct {
	First, Last int
	Err         error
	// Imported is the last line whose batch committed (1: none, only the
	// header); nothing after it was written.
	Imported int
	// Batch: the store refused the batch of lines First to Last (a
	// conflict with rows in the target, say), rather than one bad record.
	Batch bool
}

func (e *LineError) Error() string {
	switch {
	case !e.Batch:
		return fmt.Sprintf("line %d: %v", e.First, e.Err)
	case e.First == e.Last:
		return fmt.Sprintf("line %d (a batch of its own, not written): %v", e.First, e.Err)
	}
	return fmt.Sprintf("lines %d-%d (one batch, not written): %v", e.First, e.Last, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// ImportOptions tune Import.
type ImportOptions struct {
	Batch int  // records per transaction (DefaultBatch if 0)
	Bar   *Bar // progress, counted in bytes of the file when Size is set
}

// ImportResult says what an import did.
type ImportResult struct {
	Lines    int
	Inserted dm.BulkCounts
	Seconds  float64
}

// Import reads a file from r and loads it into store. Every record is
// checked before its batch is written, and references must point to
// records earlier in the file (the file is self-contained, as an export
// is). On a bad record it returns a *LineError: the batches before the one
// holding that line are committed, that batch and what follows are not;
// running the import again after fixing the file is safe (loads skip what
// exists).
func Import(ctx context.Context, store dm.Bulk, r io.Reader, o ImportOptions) (*ImportResult, error) {
	start := time.Now()
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	br := bufio.NewReaderSize(r, 1<<20)
	line := 0
	// readLine returns the next line without its newline; long lines are
	// an error rather than a memory hog.
	const maxLine = 1 << 20
	readLine := func() ([]byte, error) {
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("line %d is longer than %d bytes", line+1, maxLine)
		}
		if len(b) == 0 && err != nil {
			return nil, err
		}
		line++
		o.Bar.AddBytes(int64(len(b)))
		return bytes.TrimRight(b, "\r\n"), nil
	}
	first, err := readLine()
	if err == io.EOF {
		return nil, fmt.Errorf("the file is empty: it should start with a header line")
	}
	if err != nil {
		return nil, err
	}
	var h Header
	if err := json.Unmarshal(first, &h); err != nil || h.Format != formatName {
		return nil, &LineError{First: 1, Last: 1, Imported: 0, Err: fmt.Errorf(`not a Parley export: the first line should be {"format":"parley-export","version":%d}`, Version)}
	}
	if h.Version != Version {
		return nil, &LineError{First: 1, Last: 1, Imported: 0, Err: fmt.Errorf("format version %d; this build reads version %d", h.Version, Version)}
	}

	l := NewLoader(store, o.Bar, 1)
	accounts := map[string]struct{}{}
	convs := map[string]*convState{}
	bufs := [2]*dm.BulkBatch{{}, {}}
	cur, batchFirst := 0, 2
	flush := func() error {
		b := bufs[cur]
		if b.Len() == 0 {
			return nil
		}
		if err := l.Load(ctx, b, batchFirst, line); err != nil {
			return err
		}
		cur = 1 - cur
		// The other buffer was loaded by the batch Load just waited for.
		bufs[cur].Reset()
		batchFirst = line + 1
		return nil
	}
	fail := func(err error) (*ImportResult, error) {
		// The batch in flight was complete and valid: let it commit, so
		// that what the error message says was written is written.
		if werr := l.Wait(); werr != nil {
			return nil, werr
		}
		return nil, &LineError{First: line, Last: line, Err: err, Imported: batchFirst - 1}
	}
	var typ struct {
		Type string `json:"type"`
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		raw, err := readLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err)
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		typ.Type = ""
		if err := json.Unmarshal(raw, &typ); err != nil {
			return fail(fmt.Errorf("not JSON: %v", err))
		}
		b := bufs[cur]
		switch typ.Type {
		case TypeAccount:
			var r Account
			if err := strict(raw, &r); err != nil {
				return fail(err)
			}
			a, err := r.bulk()
			if err != nil {
				return fail(err)
			}
			accounts[a.ID] = struct{}{}
			b.Accounts = append(b.Accounts, a)
		case TypeFollow, TypeBlock:
			var x, y string
			if typ.Type == TypeFollow {
				var r Follow
				if err := strict(raw, &r); err != nil {
					return fail(err)
				}
				x, y = r.FollowerID, r.FolloweeID
			} else {
				var r Block
				if err := strict(raw, &r); err != nil {
					return fail(err)
				}
				x, y = r.BlockerID, r.BlockedID
			}
			for _, id := range []string{x, y} {
				if err := known(accounts, "account", id); err != nil {
					return fail(err)
				}
			}
			if x == y {
				return fail(fmt.Errorf("an account cannot %s itself", typ.Type))
			}
			if typ.Type == TypeFollow {
				b.Follows = append(b.Follows, dm.BulkFollow{Follower: x, Followee: y})
			} else {
				b.Blocks = append(b.Blocks, dm.BulkBlock{Blocker: x, Blocked: y})
			}
		case TypeConversation:
			var r Conversation
			if err := strict(raw, &r); err != nil {
				return fail(err)
			}
			c, err := r.bulk()
			if err != nil {
				return fail(err)
			}
			if _, dup := convs[c.ID]; dup {
				return fail(fmt.Errorf("conversation %s appears twice", c.ID))
			}
			for _, m := range c.Members {
				if err := known(accounts, "member", m.UserID); err != nil {
					return fail(err)
				}
			}
			convs[c.ID] = &convState{last: c.LastSeq}
			b.Conversations = append(b.Conversations, c)
		case TypeMessage:
			var r Message
			if err := strict(raw, &r); err != nil {
				return fail(err)
			}
			m, err := r.bulk()
			if err != nil {
				return fail(err)
			}
			c := convs[m.ConversationID]
			switch {
			case c == nil:
				err = fmt.Errorf("message.conversation_id %s is not a conversation of an earlier line", m.ConversationID)
			case m.Seq <= c.seq || m.Seq > c.last:
				err = fmt.Errorf("message.seq %d: seqs of a conversation must increase and end at its last_seq (%d); the previous was %d",
					m.Seq, c.last, c.seq)
			}
			if err == nil {
				err = known(accounts, "message.sender_id", m.SenderID)
			}
			for _, x := range m.Reactions {
				if err == nil {
					err = known(accounts, "reaction user_id", x.UserID)
				}
			}
			for _, u := range m.HiddenFor {
				if err == nil {
					err = known(accounts, "hidden_for", u)
				}
			}
			if err != nil {
				return fail(err)
			}
			c.seq = m.Seq
			b.Messages = append(b.Messages, m)
		case TypeEventLog:
			var r EventLog
			if err := strict(raw, &r); err != nil {
				return fail(err)
			}
			if err := known(accounts, "user_id", r.UserID); err != nil {
				return fail(err)
			}
			if r.Seq < 1 {
				return fail(fmt.Errorf("seq %d is not positive", r.Seq))
			}
			b.EventLogs = append(b.EventLogs, dm.BulkEventLog{UserID: r.UserID, Seq: r.Seq})
		default:
			return fail(fmt.Errorf("unknown record type %q", typ.Type))
		}
		if b.Len() >= o.Batch {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if err := l.Wait(); err != nil {
		return nil, err
	}
	for id, c := range convs {
		if c.seq != c.last {
			return nil, fmt.Errorf("conversation %s: last_seq is %d but its last message has seq %d (everything else is imported)", id, c.last, c.seq)
		}
	}
	if err := store.FinishLoad(ctx); err != nil {
		return nil, err
	}
	return &ImportResult{Lines: line, Inserted: l.Counts(), Seconds: time.Since(start).Seconds()}, nil
}

// convState is what the import checks messages against: the
// conversation's last_seq and the seq of its latest message so far.
type convState struct{ last, seq int64 }

func known(set map[string]struct{}, what, id string) error {
	if err := checkID(what, id); err != nil {
		return err
	}
	if _, ok := set[id]; !ok {
		return fmt.Errorf("%s %s is not an account of an earlier line", what, id)
	}
	return nil
}

// strict decodes one record, refusing fields the format does not have (a
// misspelt field would otherwise load as its zero value).
func strict(raw []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("bad record: %v", err)
	}
	return nil
}
