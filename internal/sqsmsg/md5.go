package sqsmsg

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"slices"
)

// MD5OfBody returns the hex MD5 of body's UTF-8 bytes, as SQS reports it in
// MD5OfMessageBody.
func MD5OfBody(body string) string {
	sum := md5.Sum([]byte(body))
	return hex.EncodeToString(sum[:])
}

// MD5OfAttributes returns the hex MD5 SQS reports as MD5OfMessageAttributes,
// or "" for no attributes. The digest covers the attributes sorted by name;
// for each: the name, the data type (custom label included) and the value,
// each preceded by its length as 4 big-endian bytes, with a transport byte
// (1 for String and Number, 2 for Binary) before the value.
func MD5OfAttributes(attrs map[string]Attribute) string {
	if len(attrs) == 0 {
		return ""
	}
	names := make([]string, 0, len(attrs))
	for name := range attrs {
		names = append(names, name)
	}
	slices.Sort(names)
	h := md5.New()
	var n [4]byte
	writeLen := func(s []byte) {
		binary.BigEndian.PutUint32(n[:], uint32(len(s)))
		h.Write(n[:])
		h.Write(s)
	}
	for _, name := range names {
		a := attrs[name]
		writeLen([]byte(name))
		writeLen([]byte(a.DataType))
		if IsBinary(a) {
			h.Write([]byte{2})
			writeLen(a.BinaryValue)
		} else {
			h.Write([]byte{1})
			writeLen([]byte(a.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
