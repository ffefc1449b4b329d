package ws

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/parleyhq/parley/internal/dm"
)

// The reader parses frames out of whatever pieces the socket delivers; these
// tests feed it pieces directly and read the server's answers off a pipe.
// The epoll path around it runs in the end-to-end tests on real sockets.

func newTestConn(t *testing.T) (*conn, net.Conn) {
	t.Helper()
	s := New(Config{})
	t.Cleanup(func() { s.Close() })
	srv, cli := net.Pipe()
	t.Cleanup(func() { cli.Close() })
	c := &conn{s: s, nc: srv, acc: &dm.Account{Handle: "tester"}, rstate: ws.StateServerSide}
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	return c, cli
}

// clientFrame is a masked frame as a client sends it.
func clientFrame(t *testing.T, f ws.Frame) []byte {
	t.Helper()
	b, err := ws.CompileFrame(ws.MaskFrameInPlace(f))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// feed hands the pieces to the reader on another goroutine (the pipe
// blocks the server's answers until the test reads them).
func feed(c *conn, pieces ...[]byte) chan bool {
	done := make(chan bool, 1)
	go func() {
		ok := true
		for _, p := range pieces {
			if ok = c.input(p); !ok {
				break
			}
		}
		done <- ok
	}()
	return done
}

func readServerFrame(t *testing.T, cli net.Conn) ws.Frame {
	t.Helper()
	cli.SetReadDeadline(time.Now().Add(5 * time.Second))
	f, err := ws.ReadFrame(cli)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func bytewise(b []byte) [][]byte {
	out := make([][]byte, len(b))
	for i := range b {
		out[i] = b[i : i+1]
	}
	return out
}

func TestReaderPingInPieces(t *testing.T) {
	c, cli := newTestConn(t)
	ping := clientFrame(t, ws.NewPingFrame([]byte("hello")))
	done := feed(c, bytewise(ping)...)
	f := readServerFrame(t, cli)
	if f.Header.OpCode != ws.OpPong || string(f.Payload) != "hello" {
		t.Fatalf("got %v %q, want a pong with the ping's payload", f.Header.OpCode, f.Payload)
	}
	if !<-done {
		t.Fatal("the socket closed")
	}
	if len(c.in) != 0 {
		t.Fatalf("%d bytes left over", len(c.in))
	}
}

func TestReaderTwoFramesInOneRead(t *testing.T) {
	c, cli := newTestConn(t)
	b := append(clientFrame(t, ws.NewPingFrame([]byte("1"))), clientFrame(t, ws.NewPingFrame([]byte("2")))...)
	// The second frame's last byte arrives in a read of its own.
	done := feed(c, b[:len(b)-1], b[len(b)-1:])
	for _, want := range []string{"1", "2"} {
		if f := readServerFrame(t, cli); f.Header.OpCode != ws.OpPong || string(f.Payload) != want {
			t.Fatalf("got %v %q, want pong %q", f.Header.OpCode, f.Payload, want)
		}
	}
	if !<-done {
		t.Fatal("the socket closed")
	}
}

func TestReaderFragmentedMessageAroundAPing(t *testing.T) {
	c, cli := newTestConn(t)
	first := clientFrame(t, ws.NewFrame(ws.OpText, false, []byte(`{"type":`)))
	ping := clientFrame(t, ws.NewPingFrame([]byte("mid")))
	last := clientFrame(t, ws.NewFrame(ws.OpContinuation, true, []byte(`"unknown"}`)))
	done := feed(c, bytes.Join([][]byte{first, ping, last}, nil))
	if f := readServerFrame(t, cli); f.Header.OpCode != ws.OpPong || string(f.Payload) != "mid" {
		t.Fatalf("got %v %q, want pong %q", f.Header.OpCode, f.Payload, "mid")
	}
	if !<-done {
		t.Fatal("the socket closed")
	}
	if c.msg != nil || c.rstate.Fragmented() {
		t.Fatal("the fragmented message was not completed")
	}
}

func TestReaderClosesOnBadInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input []byte
		code  ws.StatusCode
	}{
		{"too big", clientFrame(t, ws.NewTextFrame(bytes.Repeat([]byte("a"), maxClientFrame+1))), ws.StatusMessageTooBig},
		{"unmasked", ws.MustCompileFrame(ws.NewTextFrame([]byte("{}"))), ws.StatusProtocolError},
		{"invalid utf-8", clientFrame(t, ws.NewTextFrame([]byte{0xff, 0xfe})), ws.StatusInvalidFramePayloadData},
		{"continuation first", clientFrame(t, ws.NewFrame(ws.OpContinuation, true, []byte("x"))), ws.StatusProtocolError},
		{"client closes", clientFrame(t, ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusGoingAway, ""))), ws.StatusGoingAway},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, cli := newTestConn(t)
			done := feed(c, tc.input)
			f := readServerFrame(t, cli)
			code, _ := ws.ParseCloseFrameData(f.Payload)
			if f.Header.OpCode != ws.OpClose || code != tc.code {
				t.Fatalf("got %v code %d, want a close frame with %d", f.Header.OpCode, code, tc.code)
			}
			if <-done {
				t.Fatal("input reported the socket open")
			}
			c.s.mu.Lock()
			n := len(c.s.conns)
			c.s.mu.Unlock()
			if n != 0 {
				t.Fatal("the closed socket is still registered")
			}
		})
	}
}
