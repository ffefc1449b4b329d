package transfer

import (
	"bufio"
	"context"
	"encoding/json"
	"io"

	"github.com/parleyhq/parley/internal/dm"
)

// ExportResult counts what an export wrote.
type ExportResult struct {
	Records int64
}

// Export writes store's data to w: the header line, then one record a line
// in the dump's stable order (dm.BulkSink), so that two exports of the same
// data are byte-identical whichever store holds it.
func Export(ctx context.Context, store dm.Bulk, w io.Writer, bar *Bar) (*ExportResult, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	s := &sink{enc: json.NewEncoder(bw), bar: bar}
	// Text is written as is: "<" stays "<", as it was sent.
	s.enc.SetEscapeHTML(false)
	if err := s.enc.Encode(Header{Format: formatName, Version: Version}); err != nil {
		return nil, err
	}
	if err := store.Dump(ctx, s); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	return &ExportResult{Records: s.n}, nil
}

type sink struct {
	enc *json.Encoder
	bar *Bar
	n   int64
}

func (s *sink) put(v any) error {
	s.n++
	s.bar.Add(1)
	return s.enc.Encode(v)
}

func (s *sink) Account(a *dm.BulkAccount) error { return s.put(accountRecord(a)) }

func (s *sink) Follow(f *dm.BulkFollow) error {
	return s.put(&Follow{Type: TypeFollow, FollowerID: f.Follower, FolloweeID: f.Followee})
}

func (s *sink) Block(b *dm.BulkBlock) error {
	return s.put(&Block{Type: TypeBlock, BlockerID: b.Blocker, BlockedID: b.Blocked})
}

func (s *sink) Conversation(c *dm.BulkConversation) error { return s.put(conversationRecord(c)) }

func (s *sink) Message(m *dm.BulkMessage) error { return s.put(messageRecord(m)) }

func (s *sink) EventLog(l *dm.BulkEventLog) error {
	return s.put(&EventLog{Type: TypeEventLog, UserID: l.UserID, Seq: l.Seq})
}
