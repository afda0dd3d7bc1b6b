// Command xmodcheck verifies a testigo log directory with Go's own
// transparency-log code (golang.org/x/mod/sumdb/note and .../tlog), as an
// independent implementation of signed notes, RFC 6962 hashing, tiles and proofs.
//
// Usage:
//
//	xmodcheck -dir LOGDIR -vkey VERIFIERKEY [-old OLDCHECKPOINT]... [-print-proofs]
//
// It opens LOGDIR/checkpoint with note.Open and the log's verifier key, parses
// the C2SP checkpoint body, reads the C2SP tiles (tile/L/N[.p/W], which x/mod
// calls tile/8/L/N[.p/W]) through tlog.TileHashReader (which authenticates
// every tile it reads against the checkpoint's root), recomputes the tree hash
// with tlog.TreeHash, checks that every entry of every entry bundle
// (tile/entries/N[.p/W]) has the tlog.RecordHash stored in the level-0 tiles,
// proves and checks inclusion of a spread of entries (tlog.ProveRecord,
// tlog.CheckRecord) and consistency with each older checkpoint given and with
// a few smaller sizes (tlog.ProveTree, tlog.CheckTree).
//
// It exits with status 0 and a final "ok ..." line when everything checks,
// and with status 1 and a message on standard error at the first mismatch.
// With -print-proofs it also prints every proof it built, one per line
// ("inclusion INDEX SIZE H1 H2 ..." and "consistency OLD NEW H1 H2 ...",
// hashes in standard base64), so that the caller can compare them with its
// own proofs.
//
// Build it in GOPATH mode against the Debian package golang-golang-x-mod-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o xmodcheck .
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// tileHeight is the height of every C2SP tile: 256 hashes wide.
const tileHeight = 8

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "xmodcheck: "+format+"\n", args...)
	os.Exit(1)
}

// checkpoint is a parsed C2SP checkpoint body (c2sp.org/tlog-checkpoint).
type checkpoint struct {
	origin string
	tree   tlog.Tree
}

// openCheckpoint verifies the signed note with the log's key and parses its body.
// tlog.ParseTree cannot be used: it insists on the origin "go.sum database tree".
func openCheckpoint(path string, verifier note.Verifier) checkpoint {
	msg, err := os.ReadFile(path)
	if err != nil {
		fail("reading checkpoint: %v", err)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("note.Open(%s): %v", path, err)
	}
	if len(n.Sigs) == 0 {
		fail("%s: no signature by %s", path, verifier.Name())
	}
	lines := strings.Split(n.Text, "\n")
	// origin, size, root, then optional extension lines; the text ends with "\n".
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		fail("%s: malformed checkpoint body %q", path, n.Text)
	}
	origin := lines[0]
	if origin != verifier.Name() {
		fail("%s: origin %q is not the key name %q", path, origin, verifier.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		fail("%s: malformed tree size %q", path, lines[1])
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail("%s: malformed root hash %q: %v", path, lines[2], err)
	}
	return checkpoint{origin: origin, tree: tlog.Tree{N: size, Hash: root}}
}

// dirTiles serves C2SP tiles from a directory to tlog.TileHashReader.
type dirTiles struct {
	dir      string
	size     int64
	cache    map[tlog.Tile][]byte
	verified map[tlog.Tile]bool
	reads    int
}

func (d *dirTiles) Height() int { return tileHeight }

// c2spPath maps x/mod's tile path "tile/8/L/N[.p/W]" to C2SP's "tile/L/N[.p/W]".
func c2spPath(t tlog.Tile) string {
	p := t.Path()
	prefix := fmt.Sprintf("tile/%d/", tileHeight)
	if !strings.HasPrefix(p, prefix) {
		fail("unexpected x/mod tile path %s", p)
	}
	return "tile/" + strings.TrimPrefix(p, prefix)
}

// readObject reads a tile or bundle of width w; a partial that is absent
// falls back to the full object (C2SP lets logs delete superseded partials).
func (d *dirTiles) readObject(path, full string) ([]byte, bool, error) {
	data, err := os.ReadFile(filepath.Join(d.dir, filepath.FromSlash(path)))
	if err == nil {
		return data, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) || full == path {
		return nil, false, err
	}
	data, err = os.ReadFile(filepath.Join(d.dir, filepath.FromSlash(full)))
	return data, true, err
}

func (d *dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		if data, ok := d.cache[t]; ok {
			out[i] = data
			continue
		}
		full := t
		full.W = 1 << tileHeight
		data, fellBack, err := d.readObject(c2spPath(t), c2spPath(full))
		if err != nil {
			return nil, fmt.Errorf("reading tile %s: %v", c2spPath(t), err)
		}
		if fellBack {
			if len(data) != (1<<tileHeight)*tlog.HashSize {
				return nil, fmt.Errorf("full tile %s has %d bytes", c2spPath(full), len(data))
			}
			data = data[:t.W*tlog.HashSize]
		}
		// TileHashReader checks the length and authenticates the content.
		d.reads++
		d.cache[t] = data
		out[i] = data
	}
	return out, nil
}

func (d *dirTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// parentTile is x/mod's unexported tileParent(t, 1, size): the tile one
// level up that holds the hash of t, at its width in a tree of size.
func parentTile(t tlog.Tile, size int64) (tlog.Tile, bool) {
	p := tlog.Tile{H: t.H, L: t.L + 1, N: t.N >> uint(t.H), W: 1 << uint(t.H)}
	max := size >> uint(p.L*p.H)
	if p.N<<uint(p.H) >= max {
		return tlog.Tile{}, false
	}
	if p.N<<uint(p.H)+int64(p.W) > max {
		p.W = int(max - p.N<<uint(p.H))
	}
	return p, true
}

// tileHash is the Merkle hash of a full tile's hashes (a power of two of them).
func tileHash(data []byte) tlog.Hash {
	if len(data) == tlog.HashSize {
		var h tlog.Hash
		copy(h[:], data)
		return h
	}
	n := len(data) / 2
	return tlog.NodeHash(tileHash(data[:n]), tileHash(data[n:]))
}

// authenticate checks every full tile read so far against the hash its
// parent tile holds for it. tlog.TileHashReader means to do this, but its
// loop starts at len(stx) (the number of subtrees of the tree) rather than
// at the number of distinct tiles holding them, so when several subtrees
// share a tile it returns some full tiles unchecked (seen with x/mod v0.7.0:
// a flipped bit in tile/0/001 of a 600-entry log went through). Partial
// tiles lie on the right edge and are authenticated against the root by
// tlog.TreeHash(size, ...), which must have succeeded before this is called.
func (d *dirTiles) authenticate() {
	for changed := true; changed; {
		changed = false
		for t, data := range d.cache {
			if d.verified[t] || t.W != 1<<uint(t.H) {
				continue
			}
			p, ok := parentTile(t, d.size)
			if !ok {
				fail("full tile %s has no parent in a tree of size %d", c2spPath(t), d.size)
			}
			if _, ok := d.cache[p]; !ok {
				if _, err := d.ReadTiles([]tlog.Tile{p}); err != nil {
					fail("%v", err)
				}
			}
			want, err := tlog.HashFromTile(p, d.cache[p], tlog.StoredHashIndex(p.L*p.H, t.N))
			if err != nil {
				fail("reading the hash of %s from %s: %v", c2spPath(t), c2spPath(p), err)
			}
			if got := tileHash(data); got != want {
				fail("tile %s hashes to %v but its parent %s holds %v: downloaded inconsistent tile", c2spPath(t), got, c2spPath(p), want)
			}
			d.verified[t] = true
			changed = true
			break // the map may have grown; iterate afresh
		}
	}
}

// bundlePath is the C2SP path of entry bundle n of width w.
func bundlePath(n int64, w int) string {
	t := tlog.Tile{H: tileHeight, L: 0, N: n, W: w}
	p := c2spPath(t)
	return "tile/entries/" + strings.TrimPrefix(p, "tile/0/")
}

// readBundle reads and splits entry bundle n of width w (entries are
// big-endian uint16 length-prefixed).
func (d *dirTiles) readBundle(n int64, w int) [][]byte {
	path := bundlePath(n, w)
	data, fellBack, err := d.readObject(path, bundlePath(n, 1<<tileHeight))
	if err != nil {
		fail("reading entry bundle %s: %v", path, err)
	}
	var entries [][]byte
	for len(data) > 0 {
		if len(data) < 2 {
			fail("entry bundle %s: truncated length prefix", path)
		}
		l := int(data[0])<<8 | int(data[1])
		if len(data) < 2+l {
			fail("entry bundle %s: entry %d claims %d bytes, %d remain", path, len(entries), l, len(data)-2)
		}
		entries = append(entries, data[2:2+l])
		data = data[2+l:]
	}
	if fellBack && len(entries) >= w {
		entries = entries[:w]
	}
	if len(entries) != w {
		fail("entry bundle %s holds %d entries, %d expected", path, len(entries), w)
	}
	return entries
}

func hashesString(hs []tlog.Hash) string {
	var b strings.Builder
	for _, h := range hs {
		b.WriteByte(' ')
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]))
	}
	return b.String()
}

func main() {
	dir := flag.String("dir", "", "log directory (holding checkpoint and tile/)")
	vkey := flag.String("vkey", "", "the log's verifier key (name+hex8+base64)")
	printProofs := flag.Bool("print-proofs", false, "print every proof built")
	var olds stringList
	flag.Var(&olds, "old", "an older checkpoint of the same log to prove consistency with (repeatable)")
	flag.Parse()
	if *dir == "" || *vkey == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: xmodcheck -dir LOGDIR -vkey VERIFIERKEY [-old CHECKPOINT]... [-print-proofs]")
		os.Exit(2)
	}
	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		fail("note.NewVerifier: %v", err)
	}
	cp := openCheckpoint(filepath.Join(*dir, "checkpoint"), verifier)
	size := cp.tree.N

	if size == 0 {
		// x/mod's TreeHash returns the zero hash for the empty tree; RFC 6962
		// (and C2SP) define it as SHA-256 of the empty string.
		if cp.tree.Hash != tlog.Hash(sha256.Sum256(nil)) {
			fail("empty tree has root %v, want SHA-256(\"\")", cp.tree.Hash)
		}
		for _, old := range olds {
			if o := openCheckpoint(old, verifier); o.tree.N != 0 {
				fail("old checkpoint %s has size %d > 0", old, o.tree.N)
			}
		}
		fmt.Printf("ok size=0 root=%v\n", cp.tree.Hash)
		return
	}

	tiles := &dirTiles{dir: *dir, size: size, cache: make(map[tlog.Tile][]byte), verified: make(map[tlog.Tile]bool)}
	thr := tlog.TileHashReader(cp.tree, tiles)
	root, err := tlog.TreeHash(size, thr)
	if err != nil {
		fail("tlog.TreeHash(%d): %v", size, err)
	}
	if root != cp.tree.Hash {
		fail("tree hash from tiles %v != checkpoint root %v", root, cp.tree.Hash)
	}

	// Every entry: its record hash must be the level-0 hash the tiles hold.
	recordHashes := make(map[int64]tlog.Hash)
	for b := int64(0); b*256 < size; b++ {
		w := size - b*256
		if w > 256 {
			w = 256
		}
		entries := tiles.readBundle(b, int(w))
		indexes := make([]int64, len(entries))
		for i := range entries {
			indexes[i] = tlog.StoredHashIndex(0, b*256+int64(i))
		}
		stored, err := thr.ReadHashes(indexes)
		if err != nil {
			fail("reading level-0 hashes of bundle %d: %v", b, err)
		}
		tiles.authenticate()
		for i, e := range entries {
			n := b*256 + int64(i)
			h := tlog.RecordHash(e)
			if h != stored[i] {
				fail("entry %d in %s: record hash %v != level-0 tile hash %v", n, bundlePath(b, int(w)), h, stored[i])
			}
			recordHashes[n] = h
		}
	}

	// Inclusion proofs for a spread of indexes, including tile boundaries.
	set := map[int64]bool{}
	for _, n := range []int64{0, 1, 2, 127, 255, 256, 257, 511, 512, 65535, 65536, 65537, size / 3, size / 2, size - 2, size - 1} {
		if n >= 0 && n < size {
			set[n] = true
		}
	}
	for n := int64(0); n < size; n += 997 {
		set[n] = true
	}
	var indexes []int64
	for n := range set {
		indexes = append(indexes, n)
	}
	sort.Slice(indexes, func(i, j int) bool { return indexes[i] < indexes[j] })
	for _, n := range indexes {
		p, err := tlog.ProveRecord(size, n, thr)
		if err != nil {
			fail("tlog.ProveRecord(%d, %d): %v", size, n, err)
		}
		if err := tlog.CheckRecord(p, size, root, n, recordHashes[n]); err != nil {
			fail("tlog.CheckRecord(%d in %d): %v", n, size, err)
		}
		if *printProofs {
			fmt.Printf("inclusion %d %d%s\n", n, size, hashesString(p))
		}
	}

	tiles.authenticate()

	// Consistency with each older signed checkpoint, and with a few smaller sizes.
	type old struct {
		n int64
		h tlog.Hash
	}
	var olderTrees []old
	for _, path := range olds {
		o := openCheckpoint(path, verifier)
		if o.tree.N > size {
			fail("old checkpoint %s has size %d > current %d", path, o.tree.N, size)
		}
		if o.tree.N > 0 {
			olderTrees = append(olderTrees, old{o.tree.N, o.tree.Hash})
		}
	}
	for _, n := range []int64{1, 255, 256, 257, size / 2, size - 1, size} {
		if n < 1 || n > size {
			continue
		}
		h, err := tlog.TreeHash(n, thr)
		if err != nil {
			fail("tlog.TreeHash(%d): %v", n, err)
		}
		olderTrees = append(olderTrees, old{n, h})
	}
	for _, o := range olderTrees {
		p, err := tlog.ProveTree(size, o.n, thr)
		if err != nil {
			fail("tlog.ProveTree(%d, %d): %v", size, o.n, err)
		}
		if err := tlog.CheckTree(p, size, root, o.n, o.h); err != nil {
			fail("tlog.CheckTree(%d -> %d): %v", o.n, size, err)
		}
		if *printProofs {
			fmt.Printf("consistency %d %d%s\n", o.n, size, hashesString(p))
		}
	}

	tiles.authenticate()
	fmt.Printf("ok size=%d root=%v entries=%d inclusion=%d consistency=%d tiles=%d\n",
		size, root, len(recordHashes), len(indexes), len(olderTrees), tiles.reads)
}
