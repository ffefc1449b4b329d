package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// EventReady is the type of the frame the server sends once, after the
// backlog of events following the stream's starting cursor: from there on
// every event is live. It never appears in the event log.
const EventReady = "ready"

// ErrStreamClosed is returned by Next and SendTyping after Close.
var ErrStreamClosed = errors.New("parley: stream closed")

// Stream is a WebSocket subscription to the caller's event log. Next returns
// events in log order, with no gaps and no duplicates; after a disconnect,
// open a new Stream from Cursor() to get exactly the events missed.
//
// Next must be called from one goroutine at a time; SendTyping and Close may
// be called from any goroutine.
type Stream struct {
	onFrame func([]byte)
	conn    net.Conn
	events  chan streamFrame
	done    chan struct{} // closed by Close
	ended   chan struct{} // closed when the read loop returns

	wmu sync.Mutex // serialises frames written to conn

	mu        sync.Mutex
	err       error  // why the read loop ended
	cursor    string // see Cursor
	closeOnce sync.Once
}

// streamBuffer is how many received events wait for Next before the read loop
// stops reading; the server then sees a slow client and drops it, which
// Next reports as an error (resume from Cursor()).
const streamBuffer = 1024

// maxFrame bounds one received message, so that a broken server cannot make
// the client allocate without limit; events are far smaller.
const maxFrame = 16 << 20

// Stream opens the caller's event stream starting after cursor ("" starts
// from now). ctx bounds the handshake only; the stream lives until Close or
// until the connection ends. The token travels in the Authorization header of the
// handshake. A refused handshake (401, 400 for a bad cursor, 410 for an
// expired one) is an *Error.
//
// Next first returns the backlog of events after cursor, then one event of
// type EventReady (no Seq; Cursor() is then the server's current cursor),
// then live events, including ephemeral "typing" events that have no Seq.
func (c *Client) Stream(ctx context.Context, cursor string) (*Stream, error) {
	u := c.base
	switch {
	case strings.HasPrefix(u, "https://"):
		u = "wss://" + strings.TrimPrefix(u, "https://")
	case strings.HasPrefix(u, "http://"):
		u = "ws://" + strings.TrimPrefix(u, "http://")
	}
	u += "/api/v1/events/stream" + query("cursor", cursor)

	var refused *Error
	h := http.Header{}
	if tok := c.Token(); tok != "" {
		h.Set("Authorization", "Bearer "+tok)
	}
	d := ws.Dialer{
		Header: ws.HandshakeHeaderHTTP(h),
		OnStatusError: func(status int, _ []byte, resp io.Reader) {
			r, err := http.ReadResponse(bufio.NewReader(resp), nil)
			if err != nil {
				refused = &Error{Status: status, Message: http.StatusText(status)}
				return
			}
			defer r.Body.Close()
			var e *Error
			errors.As(decodeError(r), &e)
			refused = e
		},
	}
	conn, br, _, err := d.Dial(ctx, u)
	if err != nil {
		if refused != nil {
			return nil, refused
		}
		return nil, fmt.Errorf("parley: opening the event stream: %w", err)
	}
	s := &Stream{
		onFrame: c.onFrame,
		conn:    conn,
		events:  make(chan streamFrame, streamBuffer),
		done:    make(chan struct{}),
		ended:   make(chan struct{}),
		cursor:  cursor,
	}
	var src io.Reader = conn
	if br != nil {
		// The server's first frames may already sit in the handshake buffer;
		// br reads on from conn once they are consumed.
		src = br
	}
	go s.readLoop(src)
	return s, nil
}

// streamFrame is an event or the ready frame, which carries a cursor.
type streamFrame struct {
	Event
	Cursor string `json:"cursor"`
}

func (s *Stream) readLoop(src io.Reader) {
	defer close(s.ended)
	defer close(s.events)
	rd := &wsutil.Reader{
		Source:         src,
		State:          ws.StateClientSide,
		CheckUTF8:      true,
		MaxMessageSize: maxFrame,
		OnIntermediate: s.control,
	}
	err := func() error {
		for {
			hdr, err := rd.NextFrame()
			if err != nil {
				return err
			}
			if hdr.OpCode.IsControl() {
				if err := s.control(hdr, rd); err != nil {
					return err
				}
				continue
			}
			if hdr.OpCode != ws.OpText {
				if err := rd.Discard(); err != nil {
					return err
				}
				continue
			}
			p, err := io.ReadAll(rd)
			if err != nil {
				return err
			}
			if s.onFrame != nil {
				s.onFrame(p)
			}
			var f streamFrame
			if err := json.Unmarshal(p, &f); err != nil {
				return fmt.Errorf("parley: undecodable stream frame %q: %w", p, err)
			}
			select {
			case s.events <- f:
			case <-s.done:
				return ErrStreamClosed
			}
		}
	}()
	select {
	case <-s.done:
		err = ErrStreamClosed
	default:
	}
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// control answers the server's control frames: pong for ping, and the
// closing handshake for close.
func (s *Stream) control(hdr ws.Header, body io.Reader) error {
	p, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch hdr.OpCode {
	case ws.OpPing:
		return s.write(nil, ws.NewPongFrame(p))
	case ws.OpClose:
		code, reason := ws.ParseCloseFrameData(p)
		s.write(nil, ws.NewCloseFrame(ws.NewCloseFrameBody(code, "")))
		return wsutil.ClosedError{Code: code, Reason: reason}
	}
	return nil
}

// write sends one masked frame in a single Write, so that frames from
// SendTyping and from the read loop's control answers never interleave.
func (s *Stream) write(ctx context.Context, f ws.Frame) error {
	b, err := ws.CompileFrame(ws.MaskFrameInPlace(f))
	if err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	if ctx != nil {
		if d, ok := ctx.Deadline(); ok {
			deadline = d
		}
	}
	s.conn.SetWriteDeadline(deadline)
	_, err = s.conn.Write(b)
	return err
}

// Next returns the next event. After the stream ends it returns the reason:
// ErrStreamClosed after Close, a wsutil.ClosedError when the server closed
// it, or the network error. ctx only bounds this wait; the stream stays
// open when ctx ends.
//
// An event of type EventReady marks the end of the backlog: its fields are
// empty except Type.
func (s *Stream) Next(ctx context.Context) (Event, error) {
	select {
	case f, ok := <-s.events:
		if !ok {
			s.mu.Lock()
			defer s.mu.Unlock()
			return Event{}, s.err
		}
		ev := f.Event
		s.mu.Lock()
		switch {
		case ev.Type == EventReady:
			s.cursor = f.Cursor
		case ev.Seq > 0:
			s.cursor = strconv.FormatInt(ev.Seq, 10)
		}
		s.mu.Unlock()
		return ev, nil
	case <-ctx.Done():
		return Event{}, ctx.Err()
	}
}

// Cursor returns where a new stream (or Events) should resume to miss
// nothing that Next has returned: the seq of the last logged event returned,
// or the ready frame's cursor, or the starting cursor.
func (s *Stream) Cursor() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cursor
}

// SendTyping tells the other members of a conversation that the caller is typing.
func (s *Stream) SendTyping(ctx context.Context, conversationID string) error {
	select {
	case <-s.done:
		return ErrStreamClosed
	default:
	}
	p, err := json.Marshal(map[string]string{"type": "typing", "conversation_id": conversationID})
	if err != nil {
		return err
	}
	return s.write(ctx, ws.NewTextFrame(p))
}

// Close ends the stream: it says goodbye to the server, closes the
// connection and waits for the read loop to end. It is safe to call twice.
func (s *Stream) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		s.write(nil, ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusNormalClosure, "")))
		s.conn.Close()
	})
	<-s.ended
	return nil
}
