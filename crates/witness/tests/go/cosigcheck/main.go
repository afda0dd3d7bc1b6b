// cosigcheck opens a checkpoint note with Go's golang.org/x/mod/sumdb/note
// (the Debian package golang-golang-x-mod-dev, GOPATH mode) and reports
// which signatures x/mod verifies.
//
// x/mod's note package only knows Ed25519 note keys (type 0x01):
// note.NewVerifier refuses a cosignature key (type 0x04, c2sp.org/tlog-cosignature)
// with "unknown verifier algorithm", and note.Open files signatures from keys
// it was not given under UnverifiedSigs. So this program checks, with x/mod's
// own Open, that:
//  1. with only the log's key, the log signature verifies and the witness
//     cosignatures are listed as unverified (they do not break the note);
//  2. with the log's key plus a cosignature/v1 verifier written here from the
//     spec (independently of the Rust code: key ID, message, timestamp), every
//     signature verifies;
//  3. a note whose cosignature was altered is rejected with InvalidSignatureError.
//
// Usage: cosigcheck NOTE TAMPERED_NOTE LOG_VKEY WITNESS_VKEY...
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// cosigV1 verifies c2sp.org/tlog-cosignature v1 Ed25519 cosignatures.
type cosigV1 struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (c *cosigV1) Name() string    { return c.name }
func (c *cosigV1) KeyHash() uint32 { return c.hash }
func (c *cosigV1) Verify(msg, sig []byte) bool {
	// timestamped_signature: u64 big-endian timestamp || 64-byte Ed25519 signature.
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	ts := binary.BigEndian.Uint64(sig[:8])
	if ts == 0 || ts >= 1<<63 {
		return false
	}
	m := append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", ts)), msg...)
	return ed25519.Verify(c.key, m, sig[8:])
}

func newCosigV1(vkey string) (*cosigV1, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return nil, errors.New("malformed vkey")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 || raw[0] != 0x04 {
		return nil, errors.New("not a type 0x04 Ed25519 cosigner key")
	}
	// Key ID: SHA-256(name || "\n" || 0x04 || public key)[:4].
	h := sha256.Sum256(append([]byte(parts[0]+"\n"), raw...))
	id := binary.BigEndian.Uint32(h[:4])
	want, err := strconv.ParseUint(parts[1], 16, 32)
	if err != nil || uint32(want) != id {
		return nil, errors.New("key ID does not match")
	}
	return &cosigV1{name: parts[0], hash: id, key: ed25519.PublicKey(raw[1:])}, nil
}

func names(sigs []note.Signature) string {
	var out []string
	for _, s := range sigs {
		out = append(out, s.Name)
	}
	return "[" + strings.Join(out, ",") + "]"
}

func main() {
	if len(os.Args) < 5 {
		fmt.Fprintln(os.Stderr, "usage: cosigcheck NOTE TAMPERED_NOTE LOG_VKEY WITNESS_VKEY...")
		os.Exit(2)
	}
	msg, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	tampered, err := os.ReadFile(os.Args[2])
	if err != nil {
		panic(err)
	}
	logV, err := note.NewVerifier(os.Args[3])
	if err != nil {
		fmt.Printf("log-key: error %v\n", err)
		os.Exit(1)
	}
	verifiers := []note.Verifier{logV}
	for _, w := range os.Args[4:] {
		if _, err := note.NewVerifier(w); err != nil {
			fmt.Printf("xmod-newverifier-witness: %v\n", err)
		} else {
			fmt.Printf("xmod-newverifier-witness: accepted\n")
		}
		c, err := newCosigV1(w)
		if err != nil {
			fmt.Printf("witness-key: error %v\n", err)
			os.Exit(1)
		}
		verifiers = append(verifiers, c)
	}
	n, err := note.Open(msg, note.VerifierList(logV))
	if err != nil {
		fmt.Printf("log-only: error %v\n", err)
	} else {
		fmt.Printf("log-only: verified=%s unverified=%s\n", names(n.Sigs), names(n.UnverifiedSigs))
	}
	n, err = note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		fmt.Printf("with-cosigners: error %v\n", err)
	} else {
		fmt.Printf("with-cosigners: verified=%s unverified=%s\n", names(n.Sigs), names(n.UnverifiedSigs))
	}
	_, err = note.Open(tampered, note.VerifierList(verifiers...))
	var invalid *note.InvalidSignatureError
	if errors.As(err, &invalid) {
		fmt.Printf("tampered: invalid signature by %s\n", invalid.Name)
	} else {
		fmt.Printf("tampered: %v\n", err)
	}
}
