package jsonx

// Members reads the members of an object, one name at a time, from a Reader
// whose '{' has been consumed. Next reads the ',' between members, the name
// and its ':', and leaves the value for the caller to read:
//
//	var keys jsonx.Keys
//	m := jsonx.Members{Keys: &keys}
//	for m.Next(&r, &name, &esc) {
//		... read the value ...
//	}
//	if m.Code() != jsonx.CodeOK { fail }
//
// This rejects "{,}", "{"a":1,}" and members without a separator. With Keys
// set it also rejects a duplicate name (RFC 8259 §4) and the member after
// MaxMembers; a nil Keys skips both checks, for an object already checked by
// SkipValue. A Members is a few words and allocates nothing; the name is a
// view into the input.
type Members struct {
	// Keys, when not nil, records every name read. Names already in it
	// count as members read, so an object begun by hand can be continued.
	Keys *Keys
	n    int
	code Code
}

// Next reads up to the value of the next member, setting *name and *escaped
// as ReadKey does. It returns false after consuming the closing '}' (Code is
// then CodeOK) or when the object is rejected (Code says why).
func (m *Members) Next(r *Reader, name *[]byte, escaped *bool) bool {
	if r.ReadObjectEnd() {
		return false
	}
	first := m.n == 0
	if m.Keys != nil {
		first = m.Keys.Len() == 0
	}
	if !first && !r.ReadComma() || !r.ReadKey(name, escaped) {
		m.code = CodeSyntax
		return false
	}
	m.n++
	if m.Keys != nil && !m.Keys.Add(*name, *escaped) {
		m.code = CodeDuplicateKey
		if m.Keys.Len() == MaxMembers {
			m.code = CodeTooManyMembers
		}
		return false
	}
	return true
}

// Known returns the index in Keys.Names of the name Next just read, or -1
// when it is none of them or Keys is nil.
func (m *Members) Known() int {
	if m.Keys == nil {
		return -1
	}
	return m.Keys.Known()
}

// Code says why Next stopped: CodeOK after the closing '}', or why the
// object was rejected. It is CodeOK while Next has not yet returned false.
func (m *Members) Code() Code { return m.code }
