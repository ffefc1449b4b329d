package sqlite

import (
	"errors"
	"sync"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// The WAL write buffer (issue 15). A commit writes each dirty page to the
// WAL as a frame, and SQLite writes a frame in two pwrite calls (its
// 24-byte header, then the page): a batch of 32 sends is about 300 frames,
// so 600 system calls, which were 15% of the CPU in a profile of sends
// (one pwrite of the same bytes costs a sixth of that). The writer's
// connections open their files through the VFS registered here, SQLite's
// own unix VFS with one change: a WAL file's writes collect in a buffer
// while they follow one another (or rewrite part of it), and reach the
// file in a few large pwrites when anything else happens to the file (a
// sync, a read, a size, a truncate, a file control, a close) or the buffer
// is full.
//
// Nothing acknowledged depends on the buffer: with synchronous=FULL, which
// Open always sets on the writer, SQLite syncs the WAL (xSync, so the
// buffer goes first) before it publishes a commit's frames in the WAL index
// and before COMMIT returns; readers on other connections read only
// published frames, through files of their own. A crash loses what the
// buffer held, as it would lose frames in the page cache: the commit had not
// returned, and recovery ignores a WAL's unsynced tail.
const (
	walVFSName = "parley-wal"
	// walBufferMax bounds a WAL file's buffer: a batch of sends fits
	// (~1.2 MiB), a bulk load's transaction is written in pieces.
	walBufferMax = 4 << 20
	// walWriteMax is the most the unix VFS writes in one call: its
	// seekAndWriteFd keeps only the low 17 bits of a length.
	walWriteMax = 120 << 10
)

var (
	walVFSOnce sync.Once
	walVFSErr  error
	// unixOpen is the xOpen of SQLite's default (unix) VFS.
	unixOpen uintptr

	// walMu guards walFiles and walMethods.
	walMu sync.Mutex
	// walFiles are the open WAL files, by their sqlite3_file pointer.
	walFiles = map[uintptr]*walFile{}
	// walMethods are the io_methods tables given to WAL files, one per
	// table of the unix VFS they replace (its key). They live as long as
	// the process, as the VFS does.
	walMethods = map[uintptr]*sqlite3.Tsqlite3_io_methods{}
)

// walFile is the buffer of one open WAL file. Its memory, like the
// methods tables, is C memory: the transpiled SQLite does pointer
// arithmetic on what it is given, which Go's checkptr forbids on Go memory.
type walFile struct {
	orig  *sqlite3.Tsqlite3_io_methods // the unix VFS's methods
	start int64                        // file offset of the buffer's first byte
	n     int64                        // bytes buffered
	buf   uintptr                      // walBufferMax bytes, allocated at the first write
}

// registerWALVFS registers walVFS with SQLite, once per process (SQLite's
// VFS registry is process-wide).
func registerWALVFS() error {
	walVFSOnce.Do(func() {
		tls := libc.NewTLS()
		defer tls.Close()
		unix := sqlite3.Xsqlite3_vfs_find(tls, 0)
		if unix == 0 {
			walVFSErr = errors.New("sqlite: no default VFS")
			return
		}
		// The copy keeps the unix VFS's pAppData and methods; only xOpen
		// and the name differ. It is never freed, like the registry entry.
		v := (*sqlite3.Tsqlite3_vfs)(cmem(libc.Xcalloc(tls, 1, uint64(unsafe.Sizeof(sqlite3.Tsqlite3_vfs{})))))
		*v = *(*sqlite3.Tsqlite3_vfs)(cmem(unix))
		v.FpNext = 0
		name, err := libc.CString(walVFSName)
		if err != nil {
			walVFSErr = err
			return
		}
		v.FzName = name
		unixOpen = v.FxOpen
		*(*func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32)(unsafe.Pointer(&v.FxOpen)) = walOpen
		if rc := sqlite3.Xsqlite3_vfs_register(tls, uintptr(unsafe.Pointer(v)), 0); rc != sqlite3.SQLITE_OK {
			walVFSErr = errors.New("sqlite: cannot register the WAL VFS")
		}
	})
	return walVFSErr
}

func walOpen(tls *libc.TLS, pVfs, zName, pFile uintptr, flags int32, pOutFlags uintptr) int32 {
	rc := (*(*func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{unixOpen})))(tls, pVfs, zName, pFile, flags, pOutFlags)
	if rc != sqlite3.SQLITE_OK || flags&sqlite3.SQLITE_OPEN_WAL == 0 {
		return rc
	}
	f := (*sqlite3.Tsqlite3_file)(cmem(pFile))
	if f.FpMethods == 0 {
		return rc
	}
	walMu.Lock()
	defer walMu.Unlock()
	m := walMethods[f.FpMethods]
	if m == nil {
		m = (*sqlite3.Tsqlite3_io_methods)(cmem(libc.Xcalloc(tls, 1, uint64(unsafe.Sizeof(sqlite3.Tsqlite3_io_methods{})))))
		if m == nil {
			return sqlite3.SQLITE_NOMEM
		}
		*m = *(*sqlite3.Tsqlite3_io_methods)(cmem(f.FpMethods))
		*(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&m.FxClose)) = walClose
		*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&m.FxRead)) = walRead
		*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&m.FxWrite)) = walWrite
		*(*func(*libc.TLS, uintptr, int64) int32)(unsafe.Pointer(&m.FxTruncate)) = walTruncate
		*(*func(*libc.TLS, uintptr, int32) int32)(unsafe.Pointer(&m.FxSync)) = walSync
		*(*func(*libc.TLS, uintptr, uintptr) int32)(unsafe.Pointer(&m.FxFileSize)) = walFileSize
		*(*func(*libc.TLS, uintptr, int32, uintptr) int32)(unsafe.Pointer(&m.FxFileControl)) = walFileControl
		walMethods[f.FpMethods] = m
	}
	walFiles[pFile] = &walFile{orig: (*sqlite3.Tsqlite3_io_methods)(cmem(f.FpMethods))}
	f.FpMethods = uintptr(unsafe.Pointer(m))
	return rc
}

// file returns the state of an open WAL file. SQLite uses a file from one
// connection at a time, so only the map needs the lock.
func file(pFile uintptr) *walFile {
	walMu.Lock()
	w := walFiles[pFile]
	walMu.Unlock()
	return w
}

// flush writes the buffer to the file. The buffer is emptied even when the
// write fails: SQLite then fails the transaction, whose frames no reader
// will look for.
func (w *walFile) flush(tls *libc.TLS, pFile uintptr) int32 {
	rc := int32(sqlite3.SQLITE_OK)
	for off := int64(0); off < w.n && rc == sqlite3.SQLITE_OK; off += walWriteMax {
		n := min(w.n-off, walWriteMax)
		rc = callWrite(w.orig.FxWrite, tls, pFile, w.buf+uintptr(off), int32(n), w.start+off)
	}
	w.n = 0
	return rc
}

func callWrite(fn uintptr, tls *libc.TLS, pFile, p uintptr, n int32, off int64) int32 {
	return (*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&struct{ uintptr }{fn})))(tls, pFile, p, n, off)
}

func walWrite(tls *libc.TLS, pFile, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	w := file(pFile)
	n := int64(iAmt)
	// A write that continues the buffer, or rewrites part of it (SQLite
	// rewrites a frame of the same transaction in place), goes into it.
	if w.n > 0 && iOfst >= w.start && iOfst <= w.start+w.n && iOfst+n-w.start <= walBufferMax {
		libc.Xmemcpy(tls, w.buf+uintptr(iOfst-w.start), zBuf, uint64(n))
		w.n = max(w.n, iOfst+n-w.start)
		return sqlite3.SQLITE_OK
	}
	if rc := w.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	if w.buf == 0 && n <= walWriteMax {
		w.buf = libc.Xmalloc(tls, walBufferMax)
	}
	if w.buf == 0 || n > walWriteMax {
		return callWrite(w.orig.FxWrite, tls, pFile, zBuf, iAmt, iOfst)
	}
	libc.Xmemcpy(tls, w.buf, zBuf, uint64(n))
	w.start, w.n = iOfst, n
	return sqlite3.SQLITE_OK
}

func walRead(tls *libc.TLS, pFile, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	w := file(pFile)
	if rc := w.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&struct{ uintptr }{w.orig.FxRead})))(tls, pFile, zBuf, iAmt, iOfst)
}

func walSync(tls *libc.TLS, pFile uintptr, flags int32) int32 {
	w := file(pFile)
	if rc := w.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, int32) int32)(unsafe.Pointer(&struct{ uintptr }{w.orig.FxSync})))(tls, pFile, flags)
}

func walTruncate(tls *libc.TLS, pFile uintptr, size int64) int32 {
	w := file(pFile)
	if rc := w.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, int64) int32)(unsafe.Pointer(&struct{ uintptr }{w.orig.FxTruncate})))(tls, pFile, size)
}

func walFileSize(tls *libc.TLS, pFile, pSize uintptr) int32 {
	w := file(pFile)
	if rc := w.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{w.orig.FxFileSize})))(tls, pFile, pSize)
}

func walFileControl(tls *libc.TLS, pFile uintptr, op int32, pArg uintptr) int32 {
	w := file(pFile)
	if rc := w.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, int32, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{w.orig.FxFileControl})))(tls, pFile, op, pArg)
}

func walClose(tls *libc.TLS, pFile uintptr) int32 {
	w := file(pFile)
	rc := w.flush(tls, pFile)
	// The unix VFS's close sees its own methods, as it set them.
	(*sqlite3.Tsqlite3_file)(cmem(pFile)).FpMethods = uintptr(unsafe.Pointer(w.orig))
	walMu.Lock()
	delete(walFiles, pFile)
	walMu.Unlock()
	if w.buf != 0 {
		libc.Xfree(tls, w.buf)
	}
	if rc2 := (*(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{w.orig.FxClose})))(tls, pFile); rc == sqlite3.SQLITE_OK {
		rc = rc2
	}
	return rc
}

// cmem is the address of C memory (SQLite's, allocated outside the Go
// heap) that the transpiled code hands over as a uintptr.
func cmem(p uintptr) unsafe.Pointer { return unsafe.Add(nil, p) }
