// Command entrycheck is an implementation of ENTRIES.md (the testigo/v1 log
// entry format) written from the specification alone, with Go's standard
// library, to show the format does not depend on Rust or serde_json.
//
// It reads the test vectors in a directory (testdata/entries: index.txt,
// keys.txt and the .note files), decodes every vector as ENTRIES.md §3.4
// says, verifies its signature under the key index.txt names, and checks the
// outcome is the one index.txt records: valid vectors must decode, re-encode
// to the same bytes and verify; every invalid vector must be refused at the
// layer index.txt gives. The documents under requests/ (ENTRIES.md §6) must
// also check out as enrolment requests.
//
// encoding/json is used only as a tokenizer: its encoder is not canonical
// (it sorts nothing, escapes <, > and & and U+2028), so the canonical encoder
// below is written by hand from ENTRIES.md §3.
//
// Usage: go run . <dir>. Prints "ok N vectors" and exits 0 when every vector
// agrees; otherwise lists the disagreements and exits 1.
package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxEntryBytes is the largest log entry (ENTRIES.md §2, Size).
const maxEntryBytes = 65535

// ---------------------------------------------------------------- schema

type typ int

const (
	tString typ = iota
	tU64
	tU32
	tEnum
	tList
	tMap // string -> u64, keys sorted by UTF-8 bytes
	tObject
)

type presence int

const (
	required  presence = iota
	optional           // omitted when absent
	omitEmpty          // a list omitted when it has no element
)

type schema struct {
	t      typ
	enum   []string
	elem   *schema
	fields []field
}

type field struct {
	name string
	s    *schema
	p    presence
}

var (
	str    = &schema{t: tString}
	u64    = &schema{t: tU64}
	u32    = &schema{t: tU32}
	strs   = &schema{t: tList, elem: str}
	votes  = &schema{t: tMap}
	role   = &schema{t: tEnum, enum: []string{"witness", "party_agent", "importer", "publisher", "observer", "auditor"}}
	source = &schema{t: tEnum, enum: []string{"witness", "party_agent", "official", "bulk_import"}}
)

func obj(fields ...field) *schema   { return &schema{t: tObject, fields: fields} }
func list(elem *schema) *schema     { return &schema{t: tList, elem: elem} }
func req(n string, s *schema) field { return field{n, s, required} }
func opt(n string, s *schema) field { return field{n, s, optional} }
func omit(n string, s *schema) field {
	return field{n, s, omitEmpty}
}

// kinds is ENTRIES.md §4: every kind's fields in canonical order.
var kinds = map[string]*schema{
	"election": obj(
		req("id", str), req("name", str), req("date", str), req("levels", strs),
		req("contests", list(obj(
			req("id", str), req("name", str),
			req("candidates", list(obj(
				req("id", str), req("name", str),
				omit("cards", list(obj(req("id", str), req("name", str)))),
			))),
		))),
		opt("total_tables", u64), opt("registry", u64), req("max_table_voters", u64), req("operator", str),
	),
	"geography": obj(
		omit("units", list(obj(req("id", str), opt("parent", str), req("level", u32), req("name", str)))),
		omit("tables", list(obj(req("id", str), req("unit", str), opt("registered", u64)))),
		omit("declared", list(obj(req("unit", str), opt("tables", u64), opt("registered", u64), req("source", str)))),
	),
	"enrol": obj(
		req("key", str), req("role", role), req("holder", str), req("organisation", str),
		opt("scope", str), req("valid_from", u64), req("valid_until", u64),
	),
	"revoke": obj(req("key", str), req("reason", str)),
	"sheet": obj(
		req("election", str), req("table", str), req("contest", str), req("source", source),
		req("votes", votes), omit("not_reported", strs), opt("valid", u64), opt("null", u64), opt("blank", u64),
		opt("voters", u64), opt("registered", u64), opt("photo_sha256", str), opt("qr", str),
		opt("dataset", obj(req("name", str), req("sha256", str), req("row", u64), opt("reference", str))),
		opt("supersedes", u64), req("signed_at", u64),
	),
	"bulletin": obj(
		req("contest", str), req("label", str), req("source", str), opt("date", str), opt("unit", str),
		req("counts", list(obj(req("candidates", strs), req("votes", u64), opt("percent", str)))),
		opt("valid", u64), opt("null", u64), opt("voters", u64), opt("registry", u64),
		opt("tables_counted_percent", str), req("signed_at", u64),
	),
	"import": obj(
		req("election", str), req("name", str), req("sha256", str), req("format", str), req("rows", u64),
		req("sheets", u64), req("signed_at", u64),
	),
	"audit_seed": obj(
		req("contest", str), req("method", str), req("risk_limit_ppm", u32), req("dice", str),
		req("checkpoint_size", u64), req("checkpoint_root", str), req("signed_at", u64),
	),
	"audit": obj(req("audit", u64), req("table", str), req("votes", votes), req("signed_at", u64)),
	"reading": obj(req("photo_sha256", str), req("codes", strs), req("reader", str), req("signed_at", u64)),
	"trust": obj(
		req("format", str),
		req("keys", list(obj(
			req("region", str), req("phase", str), req("version", str), req("ed25519", str), opt("pin", str),
		))),
		req("note", str), req("signed_at", u64),
	),
}

// ---------------------------------------------------------------- decoding JSON by schema

// Values: string, uint64, []interface{}, map[string]uint64 (tMap),
// map[string]interface{} (tObject; absent fields are missing keys).

func readValue(dec *json.Decoder, s *schema) (interface{}, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch s.t {
	case tString, tEnum:
		v, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("expected a string, got %v", tok)
		}
		if s.t == tEnum && !contains(s.enum, v) {
			return nil, fmt.Errorf("%q is not one of %v", v, s.enum)
		}
		return v, nil
	case tU64, tU32:
		n, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("expected an integer, got %v", tok)
		}
		bits := 64
		if s.t == tU32 {
			bits = 32
		}
		v, err := strconv.ParseUint(string(n), 10, bits)
		if err != nil {
			return nil, fmt.Errorf("%s is not a u%d", n, bits)
		}
		return v, nil
	case tList:
		if tok != json.Delim('[') {
			return nil, fmt.Errorf("expected a list, got %v", tok)
		}
		out := []interface{}{}
		for dec.More() {
			v, err := readValue(dec, s.elem)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		_, err := dec.Token() // ']', checked by the tokenizer
		return out, err
	case tMap:
		if tok != json.Delim('{') {
			return nil, fmt.Errorf("expected an object, got %v", tok)
		}
		out := map[string]uint64{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key := k.(string)
			if _, dup := out[key]; dup {
				return nil, fmt.Errorf("map key %q twice", key)
			}
			v, err := readValue(dec, u64)
			if err != nil {
				return nil, err
			}
			out[key] = v.(uint64)
		}
		_, err := dec.Token()
		return out, err
	case tObject:
		if tok != json.Delim('{') {
			return nil, fmt.Errorf("expected an object, got %v", tok)
		}
		out := map[string]interface{}{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			name := k.(string)
			f := s.field(name)
			if f == nil {
				return nil, fmt.Errorf("unknown field %q", name)
			}
			if _, dup := out[name]; dup {
				return nil, fmt.Errorf("field %q twice", name)
			}
			v, err := readValue(dec, f.s)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out[name] = v
		}
		for _, f := range s.fields {
			if _, ok := out[f.name]; !ok && f.p == required {
				return nil, fmt.Errorf("missing field %q", f.name)
			}
		}
		_, err := dec.Token()
		return out, err
	}
	panic("unreachable")
}

func (s *schema) field(name string) *field {
	for i := range s.fields {
		if s.fields[i].name == name {
			return &s.fields[i]
		}
	}
	return nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func parseJSON(line string, s *schema) (interface{}, error) {
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	v, err := readValue(dec, s)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// ---------------------------------------------------------------- canonical encoding (ENTRIES.md §3)

func encode(b *bytes.Buffer, v interface{}, s *schema) {
	switch s.t {
	case tString, tEnum:
		encodeString(b, v.(string))
	case tU64, tU32:
		b.WriteString(strconv.FormatUint(v.(uint64), 10))
	case tList:
		b.WriteByte('[')
		for i, e := range v.([]interface{}) {
			if i > 0 {
				b.WriteByte(',')
			}
			encode(b, e, s.elem)
		}
		b.WriteByte(']')
	case tMap:
		m := v.(map[string]uint64)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys) // byte-wise, i.e. by UTF-8 bytes
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			encodeString(b, k)
			b.WriteByte(':')
			b.WriteString(strconv.FormatUint(m[k], 10))
		}
		b.WriteByte('}')
	case tObject:
		m := v.(map[string]interface{})
		b.WriteByte('{')
		first := true
		for _, f := range s.fields {
			fv, ok := m[f.name]
			if !ok || (f.p == omitEmpty && len(fv.([]interface{})) == 0) {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			encodeString(b, f.name)
			b.WriteByte(':')
			encode(b, fv, f.s)
		}
		b.WriteByte('}')
	}
}

// encodeString escapes exactly `"`, `\` and U+0000..U+001F (ENTRIES.md
// §3.3); every other byte, including all of non-ASCII UTF-8, is copied.
func encodeString(b *bytes.Buffer, s string) {
	const hexDigits = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// ---------------------------------------------------------------- the signed note (ENTRIES.md §2)

type sigLine struct {
	name  string
	keyID uint32
	sig   []byte
}

func validKeyName(n string) bool {
	return n != "" && !strings.ContainsRune(n, '+') && strings.IndexFunc(n, unicode.IsSpace) < 0
}

// parseNote returns the note text and signatures, refusing anything that is
// not a signed note in canonical form.
func parseNote(b []byte) (string, []sigLine, error) {
	if !utf8.Valid(b) {
		return "", nil, errors.New("not UTF-8")
	}
	for _, c := range b {
		if (c < 0x20 && c != '\n') || c == 0x7f {
			return "", nil, fmt.Errorf("control character 0x%02x", c)
		}
	}
	s := string(b)
	if !strings.HasSuffix(s, "\n") {
		return "", nil, errors.New("does not end in a newline")
	}
	split := strings.LastIndex(s, "\n\n")
	if split < 0 {
		return "", nil, errors.New("no blank line before the signatures")
	}
	text, block := s[:split+1], s[split+2:]
	if block == "" {
		return "", nil, errors.New("no signature lines")
	}
	var sigs []sigLine
	canon := text + "\n"
	for _, line := range strings.Split(strings.TrimSuffix(block, "\n"), "\n") {
		rest := strings.TrimPrefix(line, "— ")
		if rest == line {
			return "", nil, fmt.Errorf("signature line %q does not start with an em dash and a space", line)
		}
		i := strings.IndexByte(rest, ' ')
		if i < 0 || !validKeyName(rest[:i]) {
			return "", nil, fmt.Errorf("signature line %q has no valid key name", line)
		}
		raw, err := base64.StdEncoding.Strict().DecodeString(rest[i+1:])
		if err != nil || base64.StdEncoding.EncodeToString(raw) != rest[i+1:] {
			return "", nil, fmt.Errorf("signature %q is not canonical base64", rest[i+1:])
		}
		if len(raw) < 5 {
			return "", nil, errors.New("signature shorter than a key ID and one byte")
		}
		sigs = append(sigs, sigLine{rest[:i], binary.BigEndian.Uint32(raw[:4]), raw[4:]})
		canon += line + "\n"
	}
	if canon != s {
		return "", nil, errors.New("not in canonical form")
	}
	return text, sigs, nil
}

// ---------------------------------------------------------------- keys

type key struct {
	name string
	id   uint32
	pub  ed25519.PublicKey
}

func keyID(name string, pub []byte) uint32 {
	h := sha256.Sum256(append(append([]byte(name), '\n', 0x01), pub...))
	return binary.BigEndian.Uint32(h[:4])
}

// loadKeys reads keys.txt (<alias> <seed hex> <verifier key line>), rebuilds
// each key from its seed and checks the verifier key line (ENTRIES.md §2).
func loadKeys(path string) (map[string]key, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	keys := map[string]key{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, " ")
		if len(parts) != 3 {
			return nil, fmt.Errorf("keys.txt: bad line %q", line)
		}
		seed, err := hex.DecodeString(parts[1])
		if err != nil || len(seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("keys.txt: bad seed in %q", line)
		}
		pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
		name := strings.SplitN(parts[2], "+", 2)[0]
		id := keyID(name, pub)
		vkey := fmt.Sprintf("%s+%08x+%s", name, id, base64.StdEncoding.EncodeToString(append([]byte{0x01}, pub...)))
		if vkey != parts[2] {
			return nil, fmt.Errorf("keys.txt: %s: the seed gives %s, not %s", parts[0], vkey, parts[2])
		}
		keys[parts[0]] = key{name, id, pub}
	}
	return keys, sc.Err()
}

// ---------------------------------------------------------------- checking a vector

// check decodes and verifies an entry as ENTRIES.md §3.4 says and returns
// the outcome in index.txt's terms, with the reason for a refusal.
func check(b []byte, k key) (string, string) {
	if len(b) > maxEntryBytes {
		return "refuse-size", fmt.Sprintf("%d bytes", len(b))
	}
	text, sigs, err := parseNote(b)
	if err != nil {
		return "refuse-note", err.Error()
	}
	if len(sigs) != 1 {
		return "refuse-note", fmt.Sprintf("%d signatures", len(sigs))
	}
	body := strings.TrimSuffix(text, "\n")
	nl := strings.IndexByte(body, '\n')
	if nl < 0 {
		return "refuse-header", "one line"
	}
	header, line := body[:nl], body[nl+1:]
	if strings.Contains(line, "\n") {
		return "refuse-header", "more than two lines"
	}
	sp := strings.IndexByte(header, ' ')
	if sp < 0 || header[:sp] != "testigo/v1" {
		return "refuse-header", fmt.Sprintf("first line %q", header)
	}
	s, ok := kinds[header[sp+1:]]
	if !ok {
		return "refuse-header", fmt.Sprintf("kind %q", header[sp+1:])
	}
	v, err := parseJSON(line, s)
	if err != nil {
		return "refuse-json", err.Error()
	}
	var canon bytes.Buffer
	encode(&canon, v, s)
	if canon.String() != line {
		return "refuse-json", fmt.Sprintf("not canonical: re-encoded as %s", canon.String())
	}
	sig := sigs[0]
	if sig.name != k.name || sig.keyID != k.id {
		return "refuse-signature", fmt.Sprintf("signed by %s+%08x", sig.name, sig.keyID)
	}
	if len(sig.sig) != ed25519.SignatureSize || !ed25519.Verify(k.pub, []byte(text), sig.sig) {
		return "refuse-signature", "does not verify"
	}
	return "valid", ""
}

// ---------------------------------------------------------------- enrolment requests (ENTRIES.md §6)

const maxRequestBytes = 4096

// requestSchema is ENTRIES.md §6: the fields of an enrolment request in canonical order.
var requestSchema = obj(
	req("key", str), req("holder", str), req("organisation", str), opt("scope", str), req("requested_at", u64),
)

// parseVerifierKey reads a verifier key line `name+hex8+base64(0x01 ‖ key)`
// and checks its key ID (ENTRIES.md §2).
func parseVerifierKey(line string) (key, error) {
	parts := strings.SplitN(line, "+", 3)
	if len(parts) != 3 || !validKeyName(parts[0]) || len(parts[1]) != 8 || strings.ToLower(parts[1]) != parts[1] {
		return key{}, fmt.Errorf("%q is not name+keyid+key", line)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != 0x01 {
		return key{}, fmt.Errorf("%q does not hold an Ed25519 key", line)
	}
	pub := ed25519.PublicKey(raw[1:])
	id := keyID(parts[0], pub)
	if fmt.Sprintf("%08x", id) != parts[1] {
		return key{}, fmt.Errorf("%q: the key ID is %08x", line, id)
	}
	return key{parts[0], id, pub}, nil
}

// checkRequest checks a document as an enrolment request (ENTRIES.md §6):
// the size, the note, `testigo/v1 enrol_request` and its canonical JSON,
// readable names, and exactly one signature, by the requested key.
func checkRequest(b []byte) error {
	if len(b) > maxRequestBytes {
		return fmt.Errorf("%d bytes", len(b))
	}
	text, sigs, err := parseNote(b)
	if err != nil {
		return err
	}
	if len(sigs) != 1 {
		return fmt.Errorf("%d signatures", len(sigs))
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != 2 || lines[0] != "testigo/v1 enrol_request" {
		return errors.New("not `testigo/v1 enrol_request` and one JSON line")
	}
	v, err := parseJSON(lines[1], requestSchema)
	if err != nil {
		return err
	}
	var canon bytes.Buffer
	encode(&canon, v, requestSchema)
	if canon.String() != lines[1] {
		return fmt.Errorf("not canonical: re-encoded as %s", canon.String())
	}
	fields := v.(map[string]interface{})
	for _, name := range []string{"holder", "organisation"} {
		if strings.TrimSpace(fields[name].(string)) == "" {
			return fmt.Errorf("%s is blank", name)
		}
	}
	k, err := parseVerifierKey(fields["key"].(string))
	if err != nil {
		return err
	}
	sig := sigs[0]
	if sig.name != k.name || sig.keyID != k.id {
		return fmt.Errorf("signed by %s+%08x, not by the key it asks to enrol", sig.name, sig.keyID)
	}
	if len(sig.sig) != ed25519.SignatureSize || !ed25519.Verify(k.pub, []byte(text), sig.sig) {
		return errors.New("the signature does not verify")
	}
	return nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: entrycheck <testdata/entries directory>")
		os.Exit(2)
	}
	dir := os.Args[1]
	keys, err := loadKeys(filepath.Join(dir, "keys.txt"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.txt"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	n, failed := 0, 0
	for _, line := range strings.Split(string(index), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, " ", 4)
		if len(f) != 4 {
			fmt.Printf("index.txt: bad line %q\n", line)
			failed++
			continue
		}
		n++
		k, ok := keys[f[2]]
		if !ok {
			fmt.Printf("%s: unknown key alias %q\n", f[0], f[2])
			failed++
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, f[0]))
		if err != nil {
			fmt.Printf("%s: %v\n", f[0], err)
			failed++
			continue
		}
		got, why := check(b, k)
		if strings.HasPrefix(f[0], "requests/") {
			// Not a log entry (the log must refuse it, as index.txt says), but a valid request.
			if err := checkRequest(b); err != nil {
				fmt.Printf("FAIL %s: not a valid enrolment request: %v\n", f[0], err)
				failed++
				continue
			}
			why += "; a valid enrolment request"
		}
		if got != f[1] {
			fmt.Printf("FAIL %s: index.txt says %s, entrycheck says %s (%s)\n", f[0], f[1], got, why)
			failed++
		} else {
			fmt.Printf("pass %s: %s %s\n", f[0], got, why)
		}
	}
	if failed > 0 || n == 0 {
		fmt.Printf("%d of %d vectors disagree\n", failed, n)
		os.Exit(1)
	}
	fmt.Printf("ok %d vectors\n", n)
}
