package xrpc

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
)

// Who may message an account is, in Bluesky, the allowIncoming field of its
// chat.bsky.actor.declaration record (rkey "self"), written with
// com.atproto.repo.putRecord. Parley keeps no repositories: these two calls
// read and write that one record of the caller's own, mapped onto the
// native allow_incoming setting.
const (
	declarationNSID = "chat.bsky.actor.declaration"
	declarationKey  = "self"
)

// allowIncoming maps the native setting to the lexicon's values and back.
var allowIncoming = map[string]string{
	dm.AllowEveryone:  "all",
	dm.AllowFollowing: "following",
	dm.AllowNobody:    "none",
}

func nativeAllow(v string) (string, bool) {
	for k, x := range allowIncoming {
		if x == v {
			return k, true
		}
	}
	return "", false
}

type declaration struct {
	Type          string `json:"$type"`
	AllowIncoming string `json:"allowIncoming"`
}

// ownRecord checks that repo, collection and rkey name the caller's
// declaration.
func (h *Handler) ownRecord(ctx context.Context, c *call, repo, collection, rkey string) error {
	if collection != declarationNSID || rkey != declarationKey {
		return invalid("This server keeps only the %s record %q.", declarationNSID, declarationKey)
	}
	n, err := h.nativeHandle(ctx, repo)
	if err != nil || n != c.me.Handle {
		return errorf(http.StatusBadRequest, "RecordNotFound", "Only your own %s record can be read or written here.", declarationNSID)
	}
	return nil
}

func (h *Handler) recordURI(c *call) string {
	return "at://" + h.ids.did(c.me.ID) + "/" + declarationNSID + "/" + declarationKey
}

// recordCID is a content hash of the record in CID syntax (CIDv1,
// dag-cbor, sha2-256 over its JSON): clients use it only to compare
// versions, and Parley has no repository to compute a real one from.
func recordCID(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	raw := append([]byte{0x01, 0x71, 0x12, 0x20}, sum[:]...)
	return "b" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
}

func (h *Handler) getRecord(ctx context.Context, c *call) (any, error) {
	var p [3]string
	for i, name := range []string{"repo", "collection", "rkey"} {
		v, err := c.param(name, true)
		if err != nil {
			return nil, err
		}
		p[i] = v
	}
	if err := h.ownRecord(ctx, c, p[0], p[1], p[2]); err != nil {
		return nil, err
	}
	_, set, err := h.accounts.Me(ctx, c.me)
	if err != nil {
		return nil, err
	}
	rec := declaration{Type: declarationNSID, AllowIncoming: allowIncoming[set.AllowIncoming]}
	return map[string]any{"uri": h.recordURI(c), "cid": recordCID(rec), "value": rec}, nil
}

func (h *Handler) putRecord(ctx context.Context, c *call) (any, error) {
	var in struct {
		Repo       string `json:"repo"`
		Collection string `json:"collection"`
		Rkey       string `json:"rkey"`
		Record     *struct {
			Type          string `json:"$type"`
			AllowIncoming string `json:"allowIncoming"`
		} `json:"record"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Record == nil {
		return nil, invalid("Input must have the property \"record\".")
	}
	if err := h.ownRecord(ctx, c, in.Repo, in.Collection, in.Rkey); err != nil {
		return nil, err
	}
	if in.Record.Type != "" && in.Record.Type != declarationNSID {
		return nil, invalid("Input/record/$type must be %s.", declarationNSID)
	}
	allow, ok := nativeAllow(in.Record.AllowIncoming)
	if !ok {
		return nil, invalid("Input/record/allowIncoming is all, following or none.")
	}
	if _, _, err := h.accounts.UpdateMe(ctx, c.me, identity.MeUpdate{AllowIncoming: &allow}); err != nil {
		return nil, err
	}
	rec := declaration{Type: declarationNSID, AllowIncoming: in.Record.AllowIncoming}
	return map[string]any{"uri": h.recordURI(c), "cid": recordCID(rec)}, nil
}
