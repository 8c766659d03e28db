// Package jsonxtest is test support for jsonx and the packages built on it: an
// encoding/json oracle that says which documents jsonx must accept. It is not
// on any verification path and may use encoding/json.
package jsonxtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"unicode/utf8"

	"github.com/passkeykit/webauthn/internal/jsonx"
)

// Shape is what encoding/json and a few byte scans say about a document.
type Shape struct {
	Valid         bool // encoding/json.Valid
	ValidUTF8     bool // utf8.Valid over the whole document
	Duplicate     bool // some object has two names equal after decoding
	LoneSurrogate bool // some \u escape is an unpaired surrogate
	Depth         int  // deepest nesting of objects and arrays
	Members       int  // most members in one object
}

// Of measures b.
func Of(b []byte) Shape {
	s := Shape{Valid: json.Valid(b), ValidUTF8: utf8.Valid(b)}
	if !s.Valid {
		return s
	}
	s.LoneSurrogate = loneSurrogate(b)
	type frame struct {
		obj, wantKey bool
		keys         map[string]bool
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // Token would reject numbers out of float64 range
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.Valid = false
			return s
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.obj && top.wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].obj {
					stack[len(stack)-1].wantKey = true
				}
				continue
			}
			k := tok.(string)
			if top.keys[k] {
				s.Duplicate = true
			}
			top.keys[k] = true
			if len(top.keys) > s.Members {
				s.Members = len(top.keys)
			}
			top.wantKey = false
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			stack = append(stack, &frame{obj: tok == json.Delim('{'), wantKey: true, keys: map[string]bool{}})
			if len(stack) > s.Depth {
				s.Depth = len(stack)
			}
			continue
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].obj {
			stack[len(stack)-1].wantKey = true
		}
	}
	return s
}

// Strict reports whether jsonx must accept the document: encoding/json
// accepts it and none of jsonx's documented extra rejections applies.
func (s Shape) Strict() bool {
	return s.Valid && s.ValidUTF8 && !s.Duplicate && !s.LoneSurrogate &&
		s.Depth <= jsonx.MaxDepth && s.Members <= jsonx.MaxMembers
}

func hex4(b []byte) int {
	if len(b) < 4 {
		return -1
	}
	v := 0
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | int(c-'A'+10)
		default:
			return -1
		}
	}
	return v
}

// loneSurrogate scans a valid document (where every '\' is inside a string).
func loneSurrogate(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if i+1 < len(b) && b[i+1] != 'u' {
			i++
			continue
		}
		cp := hex4(b[i+2:])
		switch {
		case cp >= 0xdc00 && cp <= 0xdfff:
			return true
		case cp >= 0xd800 && cp <= 0xdbff:
			if i+12 > len(b) || b[i+6] != '\\' || b[i+7] != 'u' {
				return true
			}
			lo := hex4(b[i+8:])
			if lo < 0xdc00 || lo > 0xdfff {
				return true
			}
			i += 11
		default:
			i += 5
		}
	}
	return false
}
