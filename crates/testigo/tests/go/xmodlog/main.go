// Command xmodlog writes a C2SP tiled transparency log (c2sp.org/tlog-tiles)
// with Go's own transparency-log code (golang.org/x/mod/sumdb/tlog and
// .../note), as an independent writer whose logs testigo's log-only verifier
// must accept. Its entries are arbitrary bytes (binary, empty, with newlines),
// not testigo signed notes.
//
// Usage:
//
//	xmodlog -dir LOGDIR -origin ORIGIN -size N -vkey-out FILE [-skey FILE] [-variant V]
//
// It hashes N entries with tlog.StoredHashes, writes every hash tile that
// tlog.NewTiles lists (full and partial, at every level) with
// tlog.ReadTileData, at its C2SP path (tile/L/N[.p/W]; x/mod calls it
// tile/8/L/N[.p/W]), and the entry bundle beside each level-0 tile
// (tile/entries/N[.p/W]: each entry as a big-endian 16-bit length and its
// bytes; x/mod writes no bundles, so they are written here). The checkpoint
// body (origin, size, base64 root from tlog.TreeHash) is signed with
// note.Sign, by the private key in the -skey file if it exists, else by a
// fresh key from note.GenerateKey (saved there if -skey is given); the
// verifier key is written to the -vkey-out file. Logs written with the same
// key and variant are prefixes of one another; another -variant changes every
// entry (a fork, under the same key).
//
// Build it in GOPATH mode against the Debian package golang-golang-x-mod-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o xmodlog .
package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// tileHeight is the height of every C2SP tile: 256 hashes wide.
const tileHeight = 8

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "xmodlog: "+format+"\n", args...)
	os.Exit(1)
}

// entry returns the bytes of entry i of a variant: arbitrary, of varied lengths.
func entry(i, variant int64) []byte {
	switch i % 97 {
	case 3:
		return []byte{}
	case 5:
		return []byte(fmt.Sprintf("not a note\n\nline %d\r\n", i))
	}
	n := int(i*7919%700) + 1
	b := make([]byte, n)
	for j := range b {
		b[j] = byte(int64(j)*31 + i*17 + variant)
	}
	return b
}

// c2spPath turns x/mod's tile path (tile/8/L/N, tile/8/data/N) into the C2SP one.
func c2spPath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), "tile/8/")
	if rest := strings.TrimPrefix(p, "data/"); rest != p {
		return "tile/entries/" + rest
	}
	return "tile/" + p
}

func write(dir, rel string, data []byte) {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		fail("%v", err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		fail("%v", err)
	}
}

func main() {
	dir := flag.String("dir", "", "directory to write the log into")
	origin := flag.String("origin", "", "the log's origin line, also its key name")
	size := flag.Int64("size", 0, "number of entries")
	vkeyOut := flag.String("vkey-out", "", "file to write the verifier key to")
	skeyFile := flag.String("skey", "", "private key file: used if it exists, else written")
	variant := flag.Int64("variant", 0, "another value writes other entries")
	flag.Parse()
	if *dir == "" || *origin == "" || *vkeyOut == "" || *size < 0 {
		fail("usage: xmodlog -dir LOGDIR -origin ORIGIN -size N -vkey-out FILE")
	}

	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("hash %d not stored", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	for i := int64(0); i < *size; i++ {
		hashes, err := tlog.StoredHashes(i, entry(i, *variant), reader)
		if err != nil {
			fail("tlog.StoredHashes(%d): %v", i, err)
		}
		stored = append(stored, hashes...)
	}

	for _, t := range tlog.NewTiles(tileHeight, 0, *size) {
		data, err := tlog.ReadTileData(t, reader)
		if err != nil {
			fail("tlog.ReadTileData(%s): %v", t.Path(), err)
		}
		write(*dir, c2spPath(t), data)
		if t.L == 0 {
			var bundle []byte
			first := t.N << tileHeight
			for i := first; i < first+int64(t.W); i++ {
				e := entry(i, *variant)
				bundle = binary.BigEndian.AppendUint16(bundle, uint16(len(e)))
				bundle = append(bundle, e...)
			}
			t.L = -1
			write(*dir, c2spPath(t), bundle)
		}
	}

	root, err := tlog.TreeHash(*size, reader)
	if err != nil {
		fail("tlog.TreeHash: %v", err)
	}
	skey := ""
	if *skeyFile != "" {
		if b, err := os.ReadFile(*skeyFile); err == nil {
			skey = strings.TrimSpace(string(b))
		}
	}
	if skey == "" {
		skey, _, err = note.GenerateKey(rand.Reader, *origin)
		if err != nil {
			fail("note.GenerateKey: %v", err)
		}
		if *skeyFile != "" {
			if err := os.WriteFile(*skeyFile, []byte(skey+"\n"), 0o600); err != nil {
				fail("%v", err)
			}
		}
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		fail("note.NewSigner: %v", err)
	}
	body := fmt.Sprintf("%s\n%d\n%s\n", *origin, *size, base64.StdEncoding.EncodeToString(root[:]))
	msg, err := note.Sign(&note.Note{Text: body}, signer)
	if err != nil {
		fail("note.Sign: %v", err)
	}
	write(*dir, "checkpoint", msg)
	vkey, err := vkeyOf(skey)
	if err != nil {
		fail("%v", err)
	}
	if err := os.WriteFile(*vkeyOut, []byte(vkey+"\n"), 0o644); err != nil {
		fail("%v", err)
	}
	fmt.Printf("ok size=%d root=%s\n", *size, base64.StdEncoding.EncodeToString(root[:]))
}

// vkeyOf derives the verifier key from a private key
// ("PRIVATE+KEY+name+hash+base64(alg||seed)"): name, key hash and
// base64(alg||public key), as note.GenerateKey prints it.
func vkeyOf(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", fmt.Errorf("malformed private key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return "", fmt.Errorf("private key is not an Ed25519 note key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	return parts[2] + "+" + parts[3] + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, pub...)), nil
}
