package media

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
)

// Step is the media layer's stage of the send pipeline: inside the send's
// transaction it attaches the sender's uploads to the message and enqueues
// the link preview of its first link; on a delete for everyone it deletes
// the message's uploads (their blobs go after the commit, by a job); on
// messages read back it fills their attachments and preview.
type Step struct{}

var (
	_ chat.Step          = (*Step)(nil)
	_ chat.ChangeWatcher = (*Step)(nil)
	_ chat.Decorator     = (*Step)(nil)
)

// NewStep returns the media layer's pipeline stage.
func NewStep() *Step { return &Step{} }

// previewJob is the payload of a JobLinkPreview job.
type previewJob struct {
	MessageID string `json:"message_id"`
	URL       string `json:"url"`
}

// MessageStored attaches the uploads named in the send, in order. Each
// must be the sender's (or, for a brand, the writing agent's) and not yet
// on a message; anything else refuses the whole send, so a message is
// never stored with half its attachments. The check and the attaching are
// one statement per upload (ClaimUpload): the blob was made durable by
// the upload, before its row committed, so nothing more is written or
// read here.
func (s *Step) MessageStored(ctx context.Context, tx dm.Tx, out chat.Outbox, sent *chat.Sent) error {
	msg := sent.Message
	if n := len(sent.Params.Attachments); n > 0 {
		agent := ""
		if sent.Params.Agent != nil {
			agent = sent.Params.Agent.ID
		}
		msg.Attachments = make([]dm.Attachment, 0, n)
		for i, id := range sent.Params.Attachments {
			if len(id) > 64 || slices.Contains(sent.Params.Attachments[:i], id) {
				return badAttachment(i)
			}
			u, err := tx.ClaimUpload(ctx, id, sent.Sender.ID, agent, msg.ID, msg.ConversationID, i)
			if dm.IsCode(err, dm.ENOTFOUND) {
				return badAttachment(i)
			}
			if err != nil {
				return err
			}
			msg.Attachments = append(msg.Attachments, u.Attachment)
		}
	}
	if link := FirstLink(msg.Text); link != "" {
		payload, err := json.Marshal(previewJob{MessageID: msg.ID, URL: link})
		if err != nil {
			return err
		}
		if _, err := out.Enqueue(ctx, &dm.Job{Kind: JobLinkPreview, Key: msg.ID, Payload: payload}); err != nil {
			return err
		}
	}
	return nil
}

func badAttachment(i int) error {
	return dm.Errorf(dm.EINVALID, "attachments[%d] names no upload of yours that is waiting to be sent.", i)
}

// MessageChanged deletes the uploads of a message deleted for everyone, in
// the delete's transaction (so no member can fetch them once it commits),
// and leaves their blobs to a job after the commit.
func (s *Step) MessageChanged(ctx context.Context, tx dm.Tx, out chat.Outbox, ev dm.Event, messageID string) error {
	if ev.Type != dm.EventMessageDeleted {
		return nil
	}
	us, err := tx.DeleteMessageUploads(ctx, messageID)
	if err != nil || len(us) == 0 {
		return err
	}
	var p blobGCJob
	for _, u := range us {
		p.Keys = append(p.Keys, u.BlobKey)
		if u.ThumbKey != "" {
			p.Keys = append(p.Keys, u.ThumbKey)
		}
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = out.Enqueue(ctx, &dm.Job{Kind: JobBlobGC, Payload: payload})
	return err
}

// DecorateMessages fills attachments and link previews. A deleted message
// has neither; a preview whose link an edit removed is no longer shown.
func (s *Step) DecorateMessages(ctx context.Context, tx dm.Tx, msgs []dm.Message) error {
	ids := make([]string, 0, len(msgs))
	// A preview is shown only while the text holds its link, and every
	// link starts with "http" (linkRE): the others' previews need no read.
	var linked []string
	for _, m := range msgs {
		if !m.Deleted {
			ids = append(ids, m.ID)
			if strings.Contains(m.Text, "http") {
				linked = append(linked, m.ID)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	atts, err := tx.MessageAttachments(ctx, ids)
	if err != nil {
		return err
	}
	var previews map[string]*dm.LinkPreview
	if len(linked) > 0 {
		if previews, err = tx.MessagePreviews(ctx, linked); err != nil {
			return err
		}
	}
	for i := range msgs {
		m := &msgs[i]
		if m.Deleted {
			m.Attachments, m.LinkPreview = nil, nil
			continue
		}
		if us := atts[m.ID]; len(us) > 0 {
			m.Attachments = make([]dm.Attachment, len(us))
			for k, u := range us {
				m.Attachments[k] = u.Attachment
			}
		}
		if p := previews[m.ID]; p != nil && strings.Contains(m.Text, p.URL) {
			m.LinkPreview = p
		}
	}
	return nil
}
