package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/parleyhq/parley/internal/dm"
)

// fakeWAL records what walFile hands to the unix VFS's methods.
var fakeWAL struct {
	image  []byte   // the file as written
	writes []string // "off+n" of each write, "sync" and "read" in order
}

func fakeWrite(tls *libc.TLS, pFile, p uintptr, n int32, off int64) int32 {
	if end := int(off) + int(n); end > len(fakeWAL.image) {
		fakeWAL.image = append(fakeWAL.image, make([]byte, end-len(fakeWAL.image))...)
	}
	copy(fakeWAL.image[off:], unsafe.Slice((*byte)(cmem(p)), n))
	fakeWAL.writes = append(fakeWAL.writes, fmt.Sprintf("%d+%d", off, n))
	return sqlite3.SQLITE_OK
}

func fakeSync(tls *libc.TLS, pFile uintptr, flags int32) int32 {
	fakeWAL.writes = append(fakeWAL.writes, "sync")
	return sqlite3.SQLITE_OK
}

func fakeRead(tls *libc.TLS, pFile, p uintptr, n int32, off int64) int32 {
	fakeWAL.writes = append(fakeWAL.writes, "read")
	return sqlite3.SQLITE_OK
}

func fakeClose(tls *libc.TLS, pFile uintptr) int32 { return sqlite3.SQLITE_OK }

// TestWALBuffer drives the WAL file's methods as SQLite does: frames (a
// 24-byte header, then the page) one after the other, a frame rewritten in
// place, a write elsewhere, a read, a sync. What reaches the file must be
// the same bytes, in few writes, all of them before the sync or read that
// follows.
func TestWALBuffer(t *testing.T) {
	tls := libc.NewTLS()
	defer tls.Close()
	orig := (*sqlite3.Tsqlite3_io_methods)(cmem(libc.Xcalloc(tls, 1, uint64(unsafe.Sizeof(sqlite3.Tsqlite3_io_methods{})))))
	*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&orig.FxWrite)) = fakeWrite
	*(*func(*libc.TLS, uintptr, int32) int32)(unsafe.Pointer(&orig.FxSync)) = fakeSync
	*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&orig.FxRead)) = fakeRead
	*(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&orig.FxClose)) = fakeClose
	pFile := libc.Xcalloc(tls, 1, 8)
	walMu.Lock()
	walFiles[pFile] = &walFile{orig: orig}
	walMu.Unlock()
	fakeWAL.image, fakeWAL.writes = nil, nil

	want := []byte{}
	scratch := libc.Xmalloc(tls, 4096)
	defer libc.Xfree(tls, scratch)
	write := func(off int64, fill byte, n int) {
		t.Helper()
		b := bytes.Repeat([]byte{fill}, n)
		copy(unsafe.Slice((*byte)(cmem(scratch)), n), b)
		if rc := walWrite(tls, pFile, scratch, int32(n), off); rc != sqlite3.SQLITE_OK {
			t.Fatalf("write at %d: rc %d", off, rc)
		}
		if end := int(off) + n; end > len(want) {
			want = append(want, make([]byte, end-len(want))...)
		}
		copy(want[off:], b)
	}
	const frame = 24 + 4096
	off := int64(32)
	write(0, 'h', 32) // the WAL header
	for i := range 300 {
		write(off, byte(i), 24)
		write(off+24, byte(i+1), 4096)
		off += frame
	}
	write(32+5*frame+24, 'r', 4096) // frame 5 rewritten in place
	if len(fakeWAL.writes) != 0 {
		t.Fatalf("writes before any sync: %v", fakeWAL.writes)
	}
	if rc := walSync(tls, pFile, 0); rc != sqlite3.SQLITE_OK {
		t.Fatalf("sync: rc %d", rc)
	}
	n := len(fakeWAL.writes)
	if last := fakeWAL.writes[n-1]; last != "sync" {
		t.Fatalf("last call %q, want the sync after the writes", last)
	}
	if max := int(off)/walWriteMax + 1; n-1 > max {
		t.Errorf("%d writes for %d frames, want at most %d", n-1, 300, max)
	}
	if !bytes.Equal(fakeWAL.image, want) {
		t.Fatalf("the file differs from what was written")
	}

	// A write elsewhere sends the buffer first; a read too.
	fakeWAL.writes = nil
	write(off, 'a', 24)
	write(64, 'b', 24)
	if fmt.Sprint(fakeWAL.writes) != fmt.Sprintf("[%d+24]", off) {
		t.Errorf("writes %v, want the buffered frame header first", fakeWAL.writes)
	}
	walRead(tls, pFile, scratch, 24, 64)
	if fmt.Sprint(fakeWAL.writes) != fmt.Sprintf("[%d+24 64+24 read]", off) {
		t.Errorf("calls %v, want the buffer written before the read", fakeWAL.writes)
	}
	if !bytes.Equal(fakeWAL.image, want) {
		t.Fatalf("the file differs from what was written")
	}
	fakeWAL.writes = nil
	write(off+24, 'c', 100)
	walClose(tls, pFile)
	if fmt.Sprint(fakeWAL.writes) != fmt.Sprintf("[%d+100]", off+24) || !bytes.Equal(fakeWAL.image, want) {
		t.Errorf("close: calls %v; want the buffer written", fakeWAL.writes)
	}
}

// TestKillLosesNothingAcknowledged kills a process that writes (SIGKILL: no
// Close, no flush of anything) and checks that every Update it saw return
// nil is in the database: the WAL buffer never holds an acknowledged frame.
func TestKillLosesNothingAcknowledged(t *testing.T) {
	if path := os.Getenv("PARLEY_KILL_TEST_DB"); path != "" {
		killTestChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "parley.db")
	cmd := exec.Command(os.Args[0], "-test.run", "^TestKillLosesNothingAcknowledged$")
	cmd.Env = append(os.Environ(), "PARLEY_KILL_TEST_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	lines := bufio.NewScanner(out)
	for lines.Scan() && len(acked) < 400 {
		if id, ok := strings.CutPrefix(lines.Text(), "acked "); ok {
			acked = append(acked, id)
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if len(acked) < 400 {
		t.Fatalf("the writer acknowledged %d accounts before it ended", len(acked))
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for _, id := range acked {
		if err := db.View(ctx, func(tx dm.Tx) error { _, err := tx.Account(ctx, id); return err }); err != nil {
			t.Errorf("acknowledged account %s lost: %v", id, err)
		}
	}
}

// killTestChild writes accounts from 16 goroutines (batches of several)
// until it is killed, printing each one acknowledged.
func killTestChild(path string) {
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	acked := make(chan string, 64)
	for g := range 16 {
		go func() {
			for i := 0; ; i++ {
				a := account(fmt.Sprintf("k%d_%d", g, i))
				if err := db.Update(ctx, func(tx dm.Tx) error { return tx.CreateAccount(ctx, a, dm.DefaultSettings(), "x") }); err == nil {
					acked <- a.ID
				}
			}
		}()
	}
	w := bufio.NewWriter(os.Stdout)
	for id := range acked {
		fmt.Fprintln(w, "acked", id)
		w.Flush()
	}
	time.Sleep(time.Hour)
}

// Open refuses a writer that would publish frames before syncing them:
// the WAL buffer holds writes until the sync.
func TestCheckFullSync(t *testing.T) {
	ctx := context.Background()
	for mode, ok := range map[string]bool{"OFF": false, "NORMAL": false, "FULL": true, "EXTRA": true} {
		d, err := openDB("file:" + filepath.Join(t.TempDir(), "db") + "?_pragma=journal_mode(WAL)&_pragma=synchronous(" + mode + ")")
		if err != nil {
			t.Fatal(err)
		}
		c, err := d.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		err = checkFullSync(ctx, c)
		if (err == nil) != ok {
			t.Errorf("synchronous=%s: checkFullSync = %v", mode, err)
		}
		c.Close()
		d.Close()
	}
}
