//go:build !linux

package ws

import "errors"

// poller is Linux-only (epoll); elsewhere every socket has a reader goroutine.
type poller struct{}

func newPoller() (*poller, error) { return nil, errors.New("epoll is Linux-only") }

func (p *poller) add(c *conn) error { return errors.New("epoll is Linux-only") }
func (p *poller) remove(c *conn)    {}
func (p *poller) close()            {}
