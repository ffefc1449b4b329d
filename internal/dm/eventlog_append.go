package dm

import (
	"encoding/json"
	"strconv"
	"time"
)

// appendStored appends the stored form of e to b, byte for byte what
// json.Marshal writes for storedOf(e), without its reflection: the
// envelope, messages, profiles and inbox views (every send's events) are
// written field by field; the rarer parts (conversations, notes, audit
// entries, campaign progress, a message's quick replies, attachments and
// cards, a view's SLA) and any string that needs escaping go through
// json.Marshal. TestAppendStoredMatchesMarshal holds the two together, and
// fails when a field is added to a type written here.
//
// encoding/json spends most of an inbox.message's encoding on the types'
// generic walk and on validating each time.Time's MarshalJSON output; this
// is the brand's send path (issue 10).
func appendStored(b []byte, e *Event) ([]byte, error) {
	var err error
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, EventFormat, 10)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, e.Type)
	if e.ConversationID != "" {
		b = append(b, `,"conversation_id":`...)
		b = appendJSONString(b, e.ConversationID)
	}
	b = append(b, `,"at":`...)
	if b, err = appendJSONTime(b, e.At); err != nil {
		return nil, err
	}
	b = append(b, `,"payload":{`...)
	n := len(b)
	key := func(k string) {
		if len(b) > n {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, `":`...)
	}
	if e.Message != nil {
		key("message")
		if b, err = appendMessageJSON(b, e.Message); err != nil {
			return nil, err
		}
	}
	if e.Conversation != nil {
		key("conversation")
		if b, err = appendMarshal(b, e.Conversation); err != nil {
			return nil, err
		}
	}
	if e.Actor != nil {
		key("actor")
		b = appendProfileJSON(b, e.Actor)
	}
	if e.Emoji != "" {
		key("emoji")
		b = appendJSONString(b, e.Emoji)
	}
	if e.ReadSeq != 0 {
		key("read_seq")
		b = strconv.AppendInt(b, e.ReadSeq, 10)
	}
	if e.Brand != "" {
		key("brand")
		b = appendJSONString(b, e.Brand)
	}
	if e.Inbox != nil {
		key("inbox")
		if b, err = appendInboxViewJSON(b, e.Inbox); err != nil {
			return nil, err
		}
	}
	if e.Note != nil {
		key("note")
		if b, err = appendMarshal(b, e.Note); err != nil {
			return nil, err
		}
	}
	if e.State != "" {
		key("state")
		b = appendJSONString(b, e.State)
	}
	if e.Audit != nil {
		key("audit")
		if b, err = appendMarshal(b, e.Audit); err != nil {
			return nil, err
		}
	}
	if e.Campaign != nil {
		key("campaign")
		if b, err = appendMarshal(b, e.Campaign); err != nil {
			return nil, err
		}
	}
	return append(b, "}}"...), nil
}

func appendMessageJSON(b []byte, m *Message) ([]byte, error) {
	var err error
	b = append(b, `{"id":`...)
	b = appendJSONString(b, m.ID)
	b = append(b, `,"conversation_id":`...)
	b = appendJSONString(b, m.ConversationID)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, m.Seq, 10)
	b = append(b, `,"sender":`...)
	b = appendProfileJSON(b, &m.Sender)
	b = append(b, `,"text":`...)
	b = appendJSONString(b, m.Text)
	b = append(b, `,"reply_to":`...)
	b = appendJSONString(b, m.ReplyTo)
	b = append(b, `,"reactions":`...)
	if m.Reactions == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, r := range m.Reactions {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"emoji":`...)
			b = appendJSONString(b, r.Emoji)
			b = append(b, `,"count":`...)
			b = strconv.AppendInt(b, int64(r.Count), 10)
			b = append(b, `,"me":`...)
			b = strconv.AppendBool(b, r.Me)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"created_at":`...)
	if b, err = appendJSONTime(b, m.CreatedAt); err != nil {
		return nil, err
	}
	b = append(b, `,"edited_at":`...)
	if b, err = appendJSONTimePtr(b, m.EditedAt); err != nil {
		return nil, err
	}
	b = append(b, `,"deleted":`...)
	b = strconv.AppendBool(b, m.Deleted)
	if m.Automated {
		b = append(b, `,"automated":true`...)
	}
	if m.AgentName != "" {
		b = append(b, `,"agent_name":`...)
		b = appendJSONString(b, m.AgentName)
	}
	if m.CampaignID != "" {
		b = append(b, `,"campaign_id":`...)
		b = appendJSONString(b, m.CampaignID)
	}
	if m.Collaboration {
		b = append(b, `,"collaboration":true`...)
	}
	if len(m.QuickReplies) > 0 {
		b = append(b, `,"quick_replies":`...)
		if b, err = appendMarshal(b, m.QuickReplies); err != nil {
			return nil, err
		}
	}
	if len(m.Attachments) > 0 {
		b = append(b, `,"attachments":`...)
		if b, err = appendMarshal(b, m.Attachments); err != nil {
			return nil, err
		}
	}
	if m.LinkPreview != nil {
		b = append(b, `,"link_preview":`...)
		if b, err = appendMarshal(b, m.LinkPreview); err != nil {
			return nil, err
		}
	}
	if m.Product != nil {
		b = append(b, `,"product":`...)
		if b, err = appendMarshal(b, m.Product); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func appendProfileJSON(b []byte, p *Profile) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, p.ID)
	b = append(b, `,"handle":`...)
	b = appendJSONString(b, p.Handle)
	b = append(b, `,"display_name":`...)
	b = appendJSONString(b, p.DisplayName)
	if p.Suspended {
		b = append(b, `,"suspended":true`...)
	}
	if p.Verified {
		b = append(b, `,"verified":true`...)
	}
	return append(b, '}')
}

func appendInboxViewJSON(b []byte, v *InboxView) ([]byte, error) {
	var err error
	b = append(b, `{"conversation_id":`...)
	b = appendJSONString(b, v.ConversationID)
	b = append(b, `,"brand":`...)
	b = appendJSONString(b, v.Brand)
	b = append(b, `,"customer":`...)
	b = appendProfileJSON(b, &v.Customer)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, v.Status)
	b = append(b, `,"snoozed_until":`...)
	if b, err = appendJSONTimePtr(b, v.SnoozedUntil); err != nil {
		return nil, err
	}
	b = append(b, `,"assignee":`...)
	if v.Assignee == nil {
		b = append(b, "null"...)
	} else {
		b = appendProfileJSON(b, v.Assignee)
	}
	b = append(b, `,"labels":`...)
	if v.Labels == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, l := range v.Labels {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, l)
		}
		b = append(b, ']')
	}
	b = append(b, `,"priority":`...)
	b = appendJSONString(b, v.Priority)
	b = append(b, `,"waiting_since":`...)
	if b, err = appendJSONTimePtr(b, v.WaitingSince); err != nil {
		return nil, err
	}
	b = append(b, `,"first_response_at":`...)
	if b, err = appendJSONTimePtr(b, v.FirstResponseAt); err != nil {
		return nil, err
	}
	b = append(b, `,"last_message":`...)
	if v.LastMessage == nil {
		b = append(b, "null"...)
	} else if b, err = appendMessageJSON(b, v.LastMessage); err != nil {
		return nil, err
	}
	b = append(b, `,"last_message_at":`...)
	if b, err = appendJSONTime(b, v.LastMessageAt); err != nil {
		return nil, err
	}
	b = append(b, `,"created_at":`...)
	if b, err = appendJSONTime(b, v.CreatedAt); err != nil {
		return nil, err
	}
	b = append(b, `,"updated_at":`...)
	if b, err = appendJSONTime(b, v.UpdatedAt); err != nil {
		return nil, err
	}
	if v.SLA != nil {
		b = append(b, `,"sla":`...)
		if b, err = appendMarshal(b, v.SLA); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendJSONString appends s as encoding/json writes it: a string of
// printable ASCII that json would not escape is copied; any other goes
// through json.Marshal (HTML characters, control characters, U+2028,
// invalid UTF-8).
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONTime appends t as its MarshalJSON does (and json.Marshal keeps
// unchanged: RFC 3339 has nothing to escape), with MarshalJSON's error for
// a time it cannot write.
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return appendMarshal(b, t)
	}
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return nil, err
	}
	return append(b, '"'), nil
}

func appendJSONTimePtr(b []byte, t *time.Time) ([]byte, error) {
	if t == nil {
		return append(b, "null"...), nil
	}
	return appendJSONTime(b, *t)
}

func appendMarshal(b []byte, v any) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}
