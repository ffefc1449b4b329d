package dm

import (
	"slices"
	"testing"
)

func TestHonestQuickReplies(t *testing.T) {
	in := []QuickReply{{Title: "Later", Payload: "LATER"}, {Title: "No thanks", Payload: OptInPayload}}
	keep := slices.Clone(in)
	got := HonestQuickReplies(in)
	want := []QuickReply{{Title: "Later", Payload: "LATER"}, {Title: OptInTitle, Payload: OptInPayload}}
	if !slices.Equal(got, want) {
		t.Errorf("HonestQuickReplies = %+v, want %+v", got, want)
	}
	if !slices.Equal(in, keep) {
		t.Errorf("the brand's list was changed in place: %+v", in)
	}
	honest := []QuickReply{{Title: OptInTitle, Payload: OptInPayload}}
	if got := HonestQuickReplies(honest); &got[0] != &honest[0] {
		t.Error("a list with nothing to change was copied")
	}
	if got := HonestQuickReplies(nil); got != nil {
		t.Errorf("HonestQuickReplies(nil) = %v", got)
	}
	if len([]rune(OptInTitle)) > MaxQuickReplyTitle {
		t.Errorf("OptInTitle %q is longer than a button title may be", OptInTitle)
	}
}
