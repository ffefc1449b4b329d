package ws

import (
	"bytes"
	"errors"
	"io"
	"time"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// maxClientFrame bounds what a client may send in one message.
const maxClientFrame = 4096

// readBufSize is the size of a read from a socket. Clients send little
// (pongs, typing notices), so one read usually holds everything.
const readBufSize = 4096

// input acts on bytes read from the socket: every complete frame in them,
// after any incomplete one kept from the previous read, and keeps what is
// left of an incomplete frame. It returns false once the socket is closed.
// Readers call it one at a time; rmu makes that order visible to the race
// detector too, since the poller hands a socket over through the kernel.
func (c *conn) input(b []byte) bool {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	c.lastRead.Store(time.Now().UnixNano())
	data := b
	if len(c.in) > 0 {
		c.in = append(c.in, b...)
		data = c.in
	}
	for len(data) >= 2 {
		r := bytes.NewReader(data)
		h, err := ws.ReadHeader(r)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break // the header is not all there yet
		}
		if err == nil {
			err = ws.CheckHeader(h, c.rstate)
		}
		if err != nil {
			c.close(ws.StatusProtocolError, "")
			return false
		}
		if h.Length > maxClientFrame {
			c.close(ws.StatusMessageTooBig, "message too big")
			return false
		}
		start := len(data) - r.Len()
		if int64(len(data)-start) < h.Length {
			break // the payload is not all there yet
		}
		payload := data[start : start+int(h.Length)]
		data = data[start+int(h.Length):]
		ws.Cipher(payload, h.Mask, 0)
		if !c.frame(h, payload) {
			return false
		}
	}
	switch {
	case len(data) == 0:
		c.in = nil
	case len(c.in) > 0 && &data[len(data)-1] == &c.in[len(c.in)-1]:
		c.in = append(c.in[:0], data...) // data is a tail of c.in
	default:
		c.in = bytes.Clone(data)
	}
	return true
}

// frame acts on one frame; it returns false once the socket is closed.
func (c *conn) frame(h ws.Header, payload []byte) bool {
	switch h.OpCode {
	case ws.OpPing:
		c.write(ws.MustCompileFrame(ws.NewPongFrame(payload)))
		return true
	case ws.OpPong:
		return true
	case ws.OpClose:
		code, _ := ws.ParseCloseFrameData(payload)
		if code.Empty() {
			code = ws.StatusNormalClosure
		}
		c.close(code, "")
		return false
	}
	// A data frame: a whole message, or a piece of a fragmented one.
	if h.OpCode != ws.OpContinuation {
		c.msgOp = h.OpCode
		if h.Fin {
			return c.message(payload)
		}
	}
	if len(c.msg)+len(payload) > maxClientFrame {
		c.close(ws.StatusMessageTooBig, "message too big")
		return false
	}
	c.msg = append(c.msg, payload...)
	if !h.Fin {
		c.rstate = c.rstate.Set(ws.StateFragmented)
		return true
	}
	c.rstate = c.rstate.Clear(ws.StateFragmented)
	msg := c.msg
	c.msg = nil
	return c.message(msg)
}

// message acts on a complete client message.
func (c *conn) message(msg []byte) bool {
	if c.msgOp != ws.OpText {
		return true // binary messages mean nothing here
	}
	if !utf8.Valid(msg) {
		c.close(ws.StatusInvalidFramePayloadData, "invalid UTF-8")
		return false
	}
	c.handle(msg)
	return true
}

// readLoop reads the socket on its own goroutine, where the poller is not
// available.
func (c *conn) readLoop() {
	buf := make([]byte, readBufSize)
	for {
		c.nc.SetReadDeadline(time.Now().Add(2 * c.s.cfg.PingInterval))
		n, err := c.nc.Read(buf)
		if n > 0 && !c.input(buf[:n]) {
			return
		}
		if err != nil {
			c.close(ws.StatusNormalClosure, "")
			return
		}
	}
}
