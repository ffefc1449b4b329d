package ws

import (
	"errors"
	"sync"
	"syscall"

	"github.com/gobwas/ws"
)

// poller watches every registered socket with one epoll instance and one
// goroutine, so that an idle socket needs no goroutine (and no stack and
// read buffer) of its own. A socket is registered one-shot: when it becomes
// readable it is read on a short-lived goroutine, then armed again, so at
// most one reader runs per socket.
//
// The Go runtime keeps the same descriptors in its own epoll set for the
// writes; a descriptor may be in several epoll sets, and reads go through
// syscall.RawConn so the runtime knows the descriptor is in use.
type poller struct {
	epfd int
	wake [2]int // a pipe: a byte in it ends run

	mu    sync.Mutex
	conns map[uint64]*conn
	next  uint64

	done chan struct{} // closed when run has returned

	// bufs holds read buffers: only sockets being read hold one.
	bufs sync.Pool
}

// wakeID is the epoll key of the wake pipe; sockets get keys from 1 up.
const wakeID = 0

func newPoller() (*poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	p := &poller{epfd: epfd, conns: make(map[uint64]*conn), done: make(chan struct{})}
	p.bufs.New = func() any {
		b := make([]byte, readBufSize)
		return &b
	}
	if err := syscall.Pipe2(p.wake[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		syscall.Close(epfd)
		return nil, err
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN}
	setKey(&ev, wakeID)
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, p.wake[0], &ev); err != nil {
		p.closeFDs()
		return nil, err
	}
	go p.run()
	return p, nil
}

// The 64 bits of epoll user data hold the socket's key. Keys are never
// reused, so an event of a socket closed meanwhile finds no socket (whereas
// its descriptor number may already belong to a new one).
func setKey(ev *syscall.EpollEvent, key uint64) {
	ev.Fd, ev.Pad = int32(uint32(key)), int32(uint32(key>>32))
}

func key(ev *syscall.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}

const socketEvents = syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT

// add starts watching c for input.
func (p *poller) add(c *conn) error {
	sc, ok := c.nc.(syscall.Conn)
	if !ok {
		return errors.New("not a socket")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.next++
	id := p.next
	p.conns[id] = c
	p.mu.Unlock()
	c.pollID.Store(id)
	if err := p.ctl(rc, syscall.EPOLL_CTL_ADD, id); err != nil {
		p.forget(c)
		return err
	}
	return nil
}

// ctl changes the registration of the socket under rc. Control keeps the
// descriptor open while it runs, so it cannot be another socket's.
func (p *poller) ctl(rc syscall.RawConn, op int, id uint64) error {
	var err error
	cerr := rc.Control(func(fd uintptr) {
		ev := syscall.EpollEvent{Events: socketEvents}
		setKey(&ev, id)
		err = syscall.EpollCtl(p.epfd, op, int(fd), &ev)
	})
	if cerr != nil {
		return cerr
	}
	return err
}

// forget drops c's key; events still queued for it are then ignored.
func (p *poller) forget(c *conn) uint64 {
	id := c.pollID.Swap(0)
	if id != 0 {
		p.mu.Lock()
		delete(p.conns, id)
		p.mu.Unlock()
	}
	return id
}

// remove stops watching c; the socket is about to close, which takes it out
// of the epoll set.
func (p *poller) remove(c *conn) {
	if p.forget(c) == 0 {
		return
	}
	if sc, ok := c.nc.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			rc.Control(func(fd uintptr) {
				syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, int(fd), nil)
			})
		}
	}
}

// run waits for readable sockets and reads each on its own goroutine.
func (p *poller) run() {
	defer close(p.done)
	events := make([]syscall.EpollEvent, 256)
	for {
		n, err := syscall.EpollWait(p.epfd, events, -1)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			return
		}
		for i := range events[:n] {
			id := key(&events[i])
			if id == wakeID {
				return
			}
			p.mu.Lock()
			c := p.conns[id]
			p.mu.Unlock()
			if c != nil {
				go p.read(c, id)
			}
		}
	}
}

// read reads what c's client sent, acts on it and arms c again.
func (p *poller) read(c *conn, id uint64) {
	sc := c.nc.(syscall.Conn)
	rc, err := sc.SyscallConn()
	if err != nil {
		c.close(ws.StatusNormalClosure, "")
		return
	}
	buf := p.bufs.Get().(*[]byte)
	defer p.bufs.Put(buf)
	for {
		var n int
		var rerr error
		// Returning true makes this one non-blocking attempt: the
		// descriptor is non-blocking, and the poller does the waiting.
		if err := rc.Read(func(fd uintptr) bool {
			n, rerr = syscall.Read(int(fd), *buf)
			return true
		}); err != nil {
			c.close(ws.StatusNormalClosure, "")
			return
		}
		if rerr == syscall.EINTR {
			continue
		}
		if rerr == syscall.EAGAIN {
			break
		}
		if rerr != nil || n == 0 {
			c.close(ws.StatusNormalClosure, "")
			return
		}
		if !c.input((*buf)[:n]) {
			return
		}
		if n < len(*buf) {
			break // drained; the one-shot registration fires again if not
		}
	}
	if p.ctl(rc, syscall.EPOLL_CTL_MOD, id) != nil {
		c.close(ws.StatusNormalClosure, "")
	}
}

// close ends run and releases the epoll instance. Every socket has been
// closed (and so removed) before.
func (p *poller) close() {
	syscall.Write(p.wake[1], []byte{1})
	<-p.done
	p.closeFDs()
}

func (p *poller) closeFDs() {
	syscall.Close(p.wake[0])
	syscall.Close(p.wake[1])
	syscall.Close(p.epfd)
}
